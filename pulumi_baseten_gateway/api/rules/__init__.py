"""The API's field rules, one module per resource (``endpoint``, ``group``, ``secret``, ``api_key``) over
what they share (``common``: violations, unknowns, the text-field rule). With ``api/models/`` the bottom
layer: the client checks a request with them before sending it, the lifecycle cores check a resource's
inputs, the policies a plan, and the emulator what it accepts.
"""
