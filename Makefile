# Everything runs from a project-local virtualenv; `make test` works on a fresh clone with only python3.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8787
DB     ?= baseten-gateway-emulator.sqlite3

.PHONY: install pulumi tofu postgres schema sdks docsgen docs lint typecheck dist test emulator demo bench soak mutants clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The pinned Pulumi CLI, built from the Go module proxy into a cache outside the repository (minutes the first
# time, a second afterwards), its Python, Node.js and Go language hosts (from $PULUMI_LANGUAGE_HOSTS_SRC, else
# ../shared/third_party/pulumi-language-hosts), plus our plugin launchers. The last line printed is the
# directory to put on PATH. PULUMI_DIR=/path/to/dir uses the `pulumi` already there instead.
pulumi:
	@bash tools/pulumi-engine/build.sh

# The pinned OpenTofu CLI (tools/tofu/go.mod), built from the Go module proxy into the same cache (minutes the
# first time, a second afterwards); the tests run OpenTofu programs with it. The last line printed is its
# directory. TOFU_DIR=/path/to/dir uses the `tofu` already there instead.
tofu:
	@bash tools/tofu/build.sh

# A PostgreSQL server's programs (Debian's `postgresql`, installed with apt-get if missing: needs root, as CI
# has); the tests start their own servers with them, as Pulumi state backends. The last line is their directory.
postgres:
	@bash tools/postgres/ensure.sh

# Everything generated from the resource declarations: schema.json (its descriptions carry the examples of
# examples/docs, collected into pulumi_baseten_gateway/doc_examples.json), the Python resources' argument
# types, and the TypeScript, Go and Python SDKs.
schema: install
	$(BIN)/python tools/doc_examples.py examples/docs pulumi_baseten_gateway/doc_examples.json
	$(BIN)/python -m pulumi_baseten_gateway.schema schema.json
	$(BIN)/python -m pulumi_baseten_gateway.dynamic.typegen pulumi_baseten_gateway/dynamic/types.py
	@$(MAKE) --no-print-directory sdks

# The TypeScript, Go and Python SDKs of schema.json (sdk/nodejs, sdk/go/basetengateway, sdk/python), written by
# tools/sdkgen: the
# pinned Pulumi release's code generators (pkg/v3), built once into the cache like the CLI (a second run takes
# a second). Committed; tests/test_resources_declaration_sdks.py regenerates and compares. sdk/go/go.mod is
# not generated: after an SDK change that imports something new, run `go mod tidy` in sdk/go.
sdks:
	@tool="$$(bash tools/sdkgen/build.sh)" && "$$tool" -schema schema.json -out sdk

# tools/docsgen: Pulumi's docs generator (pkg/v3 v3.143.0's codegen/docs, the last release that has it), built
# into the cache like sdkgen (about 40 s the first time, then 0.1 s); `make docs` runs it, and `make test` builds
# it before pytest so the docs tests find it built. The last line printed is the executable.
docsgen:
	@bash tools/docsgen/build.sh

# docs/ regenerated (the API pages from schema.json by Pulumi's docs generator, tools/docsgen; the policy pack's
# page from its policies), then rendered to a static site in build/site (mkdocs.yml, strict mode).
docs: install
	@tool="$$(bash tools/docsgen/build.sh)" && $(BIN)/python tools/docs_api.py --docsgen "$$tool" --schema schema.json --out docs/api
	$(BIN)/python tools/docs_policy.py docs/policy-pack.md
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy pulumi_baseten_gateway

# The installable artifacts in dist/: the wheel and sdist, a wheelhouse of their dependencies, the provider
# plugin archive (pulumi plugin install ... --file), the TypeScript SDK tarball, the Python native SDK wheel
# and the policy pack archive. See tools/dist.py.
dist: install
	$(BIN)/python tools/dist.py dist

# pytest, three tests at a time (pytest-xdist; most wait on a subprocess, and on our two cores three workers
# finish first; worksteal evens out the long CLI tests). tests/test_dist_*.py install what `make dist` wrote.
# The bytecode of our own code is written first: with PYTHONDONTWRITEBYTECODE set (as on our machines) every
# plugin, emulator and policy-pack process would otherwise compile the package from source at each start.
test: install lint typecheck pulumi tofu postgres dist docsgen
	$(BIN)/python -m compileall -q -j 0 pulumi_baseten_gateway harness tests benchmarks
	$(BIN)/pytest -n 3 --dist worksteal --durations=30

# The local gateway emulator on http://127.0.0.1:$(PORT) (key `demo-key`, prefix `demo`).
emulator: install
	$(BIN)/baseten-gateway-emulator --host 127.0.0.1 --port $(PORT) --db $(DB)

# Emulator, then the `pulumi` commands a user types in examples/basic (stack init, config set, up, a no-change
# preview, destroy), each printed before it runs.
demo: install pulumi
	$(BIN)/python examples/demo.py

bench: install
	$(BIN)/python benchmarks/bench_client.py
	$(BIN)/python benchmarks/bench_provider.py
	$(BIN)/python benchmarks/bench_policy.py

soak: install pulumi
	$(BIN)/python benchmarks/soak.py --lifecycles 1000
	$(BIN)/python benchmarks/soak_engine.py --cycles 100

# Mutation testing (mutmut, [tool.mutmut] in pyproject.toml) of the rules, the lifecycle cores, the policies,
# the scrubbing and the listing, with the fast in-process tests only: kill rate per module and every survivor,
# one child per core (about 20 minutes on 2 cores). Results: benchmarks/README.md, "mutants.py".
mutants: install
	$(BIN)/python benchmarks/mutants.py

clean:
	rm -rf $(VENV) dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
