# AMT Pipeline. `make demo` runs the pipeline locally; `make test` runs the tests.
# Both set up what they need on a fresh machine (virtualenvs, Chromium).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Lambdas run python3.13: develop and test on it too.
PYTHON313 ?= $(shell command -v python3.13 2>/dev/null || ls -d $(HOME)/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | tail -n 1)
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
# checkov pins an older boto3 than aws-sam-cli: each gets its own virtualenv.
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
export SAM_CLI_TELEMETRY := 0
# The SageMaker Python SDK, in virtualenvs of its own (its pins clash with moto):
# v3's sagemaker-core is the trials-table oracle (tests/sdk); v2 has amtviz (bench/bench_report.py).
SDK_VENV := .venv-sdk
SDK_PY := $(SDK_VENV)/bin/python
AMTVIZ_VENV := .venv-amtviz
AMTVIZ_PY := $(AMTVIZ_VENV)/bin/python
CHROMIUM := /usr/bin/chromium
export PYENV_VERSION := $(shell pyenv versions --bare 2>/dev/null | grep -E '^3\.(11|13)' | sort -V | tr '\n' ':' | sed 's/:$$//')

OWN_DATA_EXAMPLES := breast-cancer diabetes wine

.PHONY: help dev demo $(addprefix example-,$(OWN_DATA_EXAMPLES)) test test-fast lint template build deploy-check sizes bench browser sdk clean

help:
	@echo "make demo      run the post's example locally (no AWS account needed)"
	@echo "make example-breast-cancer | example-diabetes | example-wine   your own data's path, locally:"
	@echo "               scikit-learn's datasets written as CSV files, then amt local run on them"
	@echo "make test      run every test (unit, moto integration, browser, template)"
	@echo "make lint      ruff + mypy"
	@echo "make template  sam validate --lint, cfn-lint and checkov on template.yaml"
	@echo "make build     sam build, then print the deployed sizes"
	@echo "make deploy-check STACK_NAME=...  pre-flight: validate, build, change-set dry run (with AWS credentials)"
	@echo "make bench     run the benchmarks in bench/"

$(PY): pyproject.toml
	@test -n "$(PYTHON313)" || { echo "python3.13 not found: install it (pyenv install 3.13) or set PYTHON313=/path/to/python3.13"; exit 1; }
	test -d $(VENV) || $(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(PY)

dev: $(PY)

$(SAM): 
	test -d $(SAM_VENV) || $(PYTHON313) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --upgrade pip
	$(SAM_VENV)/bin/pip install -q aws-sam-cli cfn-lint cfn-lint-serverless
	@touch $(SAM)

$(CHECKOV):
	test -d $(CHECKOV_VENV) || $(PYTHON313) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q --upgrade pip
	$(CHECKOV_VENV)/bin/pip install -q checkov
	@touch $(CHECKOV)

$(SDK_PY):
	test -d $(SDK_VENV) || $(PYTHON313) -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/pip install -q --upgrade pip
	$(SDK_VENV)/bin/pip install -q 'sagemaker-core==2.27.0'
	@touch $(SDK_PY)

$(AMTVIZ_PY):
	test -d $(AMTVIZ_VENV) || $(PYTHON313) -m venv $(AMTVIZ_VENV)
	$(AMTVIZ_VENV)/bin/pip install -q --upgrade pip
	$(AMTVIZ_VENV)/bin/pip install -q 'sagemaker==2.257.7' 'altair==6.3.0' 'vl-convert-python==1.9.0.post1'
	@touch $(AMTVIZ_PY)

sdk: $(SDK_PY) $(AMTVIZ_PY)

browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

demo: $(PY)
	$(VENV)/bin/amt local run

# One command per own-data example: its CSVs (examples/own-data/make_data.py), then the local run on them.
$(addprefix example-,$(OWN_DATA_EXAMPLES)): example-%: $(PY)
	$(PY) examples/own-data/make_data.py $*
	$(VENV)/bin/amt local run examples/own-data/$*.json

test: $(PY) browser $(SAM) $(CHECKOV) $(SDK_PY) $(AMTVIZ_PY)
	$(PY) -m pytest
	$(MAKE) template

test-fast: $(PY)
	$(PY) -m pytest -m "not slow and not browser"

lint: $(PY)
	$(VENV)/bin/ruff check layers src functions tests bench scripts
	$(VENV)/bin/mypy layers/common/amt_pipeline src/amt src/amt_container

# cfn-lint also with its informational checks (I) and AWS's serverless rules (cfn-lint-serverless: the
# serverless-rules project's cfn-lint form; its cfn-guard form needs the cfn-guard binary, not on PyPI).
template: $(SAM) $(CHECKOV)
	$(SAM) validate --lint
	@$(SAM_VENV)/bin/python -c "import cfn_lint_serverless" 2>/dev/null || $(SAM_VENV)/bin/pip install -q cfn-lint-serverless
	$(SAM_VENV)/bin/cfn-lint --include-checks I --append-rules cfn_lint_serverless.rules -- template.yaml
	$(CHECKOV) -f template.yaml --framework cloudformation --quiet --compact --skip-download

# Pre-flight before a real deployment; without AWS credentials it runs what it can and says what it skipped.
deploy-check: $(SAM)
	SAM=$(SAM) SAM_PY=$(SAM_VENV)/bin/python scripts/deploy_check.sh

build: $(SAM)
	$(SAM) build
	$(PY) scripts/deployed_sizes.py .aws-sam/build

bench: $(PY) $(AMTVIZ_PY)
	$(PY) bench/run_all.py

clean:
	rm -rf .aws-sam .pytest_cache amt-local
