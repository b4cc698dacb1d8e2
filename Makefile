# The README's commands. Each installs what it needs first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DB     ?= moto
STAMP  := $(VENV)/.installed

.PHONY: dev test conformance bench package-check ci clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

dev: $(STAMP) $(if $(filter dynamodb-local,$(DB)),node_modules/.installed)
	$(PY) -m devstack --db $(DB)

test: $(STAMP)
	$(PY) -m pytest

conformance: $(STAMP) node_modules/.installed
	HUILIU_TEST_DB=dynamodb-local $(PY) -m pytest tests/integration tests/e2e

bench: $(STAMP) node_modules/.installed
	$(PY) -m bench

package-check: $(STAMP)
	$(PY) -m infra.package_check

clean:
	rm -rf $(VENV) node_modules .pytest_cache
