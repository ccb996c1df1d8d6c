# Haven: `make run` serves the demo, `make test` runs the whole suite. Both set everything up.
PYTHON ?= python3
VENV := .venv
# The suite runs in one process per core (pytest-xdist); JOBS=1 runs it in this process.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint bench lock messages screenshots clean

$(STAMP): pyproject.toml requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/haven run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -p no:cacheprovider -n $(JOBS) --durations=20 $(PYTEST_ARGS)

# What CI checks besides the suite: production settings, migrations in step with the models, types,
# and the walls: the apps' one-way import graph and one place deciding access (docs/architecture.md).
check: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider -q tests/test_layers.py tests/access/test_walls.py
	$(BIN)/haven makemigrations --check --dry-run
	HAVEN_ENV=production SECRET_KEY=$$($(BIN)/python -c "import secrets;print(secrets.token_urlsafe(50))") \
	  HAVEN_ENCRYPTION_KEYS=$$($(BIN)/python -c 'from cryptography.fernet import Fernet;print(Fernet.generate_key().decode())') \
	  HAVEN_AUDIT_KEY=ci-check-audit-key-0123456789abcdefghijklmnop \
	  HAVEN_PEPPERS=ci-check-pepper-0123456789abcdefghijklmnopqrstuv ALLOWED_HOSTS=haven.example.org \
	  $(BIN)/haven check --deploy --fail-level WARNING
	$(BIN)/mypy

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	@for b in bench/[!_]*.py; do [ -e "$$b" ] && $(BIN)/python "$$b"; done; true

# Re-pin every dependency (after changing pyproject.toml).
lock:
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --generate-hashes --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -o requirements/lock.txt pyproject.toml

messages: $(STAMP)
	cd haven && ../$(BIN)/haven makemessages -l es --no-obsolete && ../$(BIN)/haven compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache
