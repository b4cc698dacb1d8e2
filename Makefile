# The README's commands. Each installs what it needs first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DB     ?= moto
# make dev's ports on 127.0.0.1: make dev API_PORT=8081 DB_PORT=8001 WECHAT_PORT=8091
API_PORT    ?= 8080
DB_PORT     ?= 8000
WECHAT_PORT ?= 8090
STAMP  := $(VENV)/.installed

TOOLS  := $(VENV)/.tools-installed
USERS  ?= 200
STAGE  ?= prod
DAYS   ?= 35

.PHONY: dev test conformance contract openapi bench package package-check deploy simulate dashboard-test vendor ci clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(TOOLS): $(STAMP) requirements-tools.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-tools.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

dev: $(STAMP) $(if $(filter dynamodb-local,$(DB)),node_modules/.installed)
	$(PY) -m devstack --db $(DB) --api-port $(API_PORT) --db-port $(DB_PORT) --wechat-port $(WECHAT_PORT)

# Test files spread over WORKERS processes (pytest-xdist), each with its own stack; a file's tests
# stay together and in order.
WORKERS ?= 2

test: $(STAMP)
	$(PY) -m pytest -n $(WORKERS) --dist loadfile --ignore=tests/browser --ignore=tests/contract

# schemathesis against the local stack, from the OpenAPI document it serves (about 3 minutes).
contract: $(STAMP)
	$(PY) -m pytest tests/contract

# The OpenAPI document, regenerated from the routes (a test fails when the committed one is stale).
openapi: $(STAMP)
	HUILIU_STAGE=local $(PY) -m chalicelib.api.openapi > chalicelib/api/openapi.json.tmp
	mv chalicelib/api/openapi.json.tmp chalicelib/api/openapi.json

conformance: $(STAMP) node_modules/.installed
	HUILIU_TEST_DB=dynamodb-local $(PY) -m pytest -n $(WORKERS) --dist loadfile tests/integration tests/e2e

bench: $(STAMP) node_modules/.installed
	$(PY) -m bench

# The stage's CloudFormation template and zip in build/$(STAGE), ready for any account (README, Deploying).
package: $(STAMP)
	$(PY) -m infra.package --stage $(STAGE) build/$(STAGE)

# chalice package, cfn-lint, and the packaged handlers on moto's server (infra/package_check.py).
package-check: $(STAMP)
	$(PY) -m infra.package_check

# To a real account (the README's steps first): chalice deploy, then the gateway responses it leaves out.
deploy: $(STAMP)
	$(VENV)/bin/chalice deploy --stage $(STAGE)
	$(PY) -m infra.gateway --stage $(STAGE)

# Against the running `make dev` (same API_PORT and WECHAT_PORT): make simulate USERS=500 DAYS=45
# (SIMULATE_ARGS="--workers 8 --holdout 30")
simulate: $(TOOLS)
	$(PY) -m devstack.simulation --users $(USERS) --days $(DAYS) \
		--api http://127.0.0.1:$(API_PORT) --wechat http://127.0.0.1:$(WECHAT_PORT) $(SIMULATE_ARGS)

# The dashboard in Debian's Chromium, headless, against a stack and a small simulation of its own.
dashboard-test: $(TOOLS) node_modules/.installed  # axe-core, which only the tests read
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	fc-list :lang=zh | grep -q . || (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null)
	$(PY) -m pytest tests/browser

# Chart.js, Preact (with its hooks) and htm from npm into the package (chalice packages only
# chalicelib/), each with its licence; a test checks they match node_modules.
vendor: node_modules/.installed
	cp node_modules/chart.js/dist/chart.umd.min.js chalicelib/admin/assets/
	cp node_modules/chart.js/LICENSE.md chalicelib/admin/assets/chart.js-LICENSE.md
	cp node_modules/preact/dist/preact.min.umd.js chalicelib/admin/assets/
	cp node_modules/preact/hooks/dist/hooks.umd.js chalicelib/admin/assets/preact-hooks.umd.js
	cp node_modules/preact/LICENSE chalicelib/admin/assets/preact-LICENSE
	cp node_modules/htm/dist/htm.umd.js chalicelib/admin/assets/
	cp node_modules/htm/LICENSE chalicelib/admin/assets/htm-LICENSE

clean:
	rm -rf $(VENV) node_modules .pytest_cache
