"""Test harnesses that run our programs as real subprocesses: the policy pack (``analyzer``) and the
gateway emulator (``emulator``)."""
