# Two commands do all set-up on a fresh machine with Python 3.11+ and make:
#   make run    the portal with demo data (embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set)
#   make test   the whole suite
# The first Python 3.11+ that actually runs (a pyenv shim may exist without its version).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
# The exact versions CI tested: requirements.lock (hashes for every file), made from pyproject.toml by
# `make lock`. The stamp changes when either file does.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)

.PHONY: lock run test install browser schema messages lint format bench load clean demo-totp

$(STAMP): pyproject.toml requirements.lock
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# After a change of the ranges in pyproject.toml: resolve again for every platform and Python 3.11+.
# (`make lock` also writes deploy/requirements.lock, the production image's subset.)
lock:
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --quiet -o requirements.lock
	# The production image's part (deploy/Dockerfile): the same versions without the dev tools.
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 -c requirements.lock \
		--generate-hashes --quiet -o deploy/requirements.lock

run: install
	$(BIN)/python -m config.launcher run

# Current authenticator codes of the demo staff (demo secrets only; needs no database).
demo-totp: install
	@$(BIN)/python -m accounts.demo_totp

# Browser tests use the Chromium they find (CHROMIUM_PATH, then /usr/bin/chromium);
# only otherwise Playwright downloads its own (needs internet access).
browser: install
	@if [ -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then echo "Chromium: $${CHROMIUM_PATH:-/usr/bin/chromium}"; \
	else $(BIN)/playwright install chromium; fi

test: install browser
	$(BIN)/python -m config.launcher test $(PYTEST_ARGS)

schema: install
	$(BIN)/python -m config.launcher exec -- $(BIN)/python manage.py spectacular --file docs/openapi.yaml --validate

messages: install
	$(BIN)/python -m config.launcher exec -- $(BIN)/python manage.py makemessages -l zh_Hans -l en --no-obsolete --no-location -i ".venv/*" -i "var/*" -i "tests/*"
	$(BIN)/python -m config.launcher exec -- $(BIN)/python manage.py compilemessages -i .venv -i var

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

bench: install
	$(BIN)/python -m config.launcher exec -- $(BIN)/python -m bench

# The morning peak under locust against gunicorn (bench/load/run.py; README "Load test"):
#   make load LOAD_SECONDS=60 LOAD_USERS=40
load: install
	$(BIN)/python -m config.launcher exec -- $(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) var
