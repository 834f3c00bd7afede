# Freight Desk. The two set-up commands are `make run` and `make test`; both set up a
# bare machine (venv, dependencies, trained model) before they do their work.
SHELL := /bin/bash
PYTHON_VERSION := $(shell cat .python-version)
PYTHON ?= $(shell command -v python$(PYTHON_VERSION) || echo python3)
VENV := .venv
BIN := $(VENV)/bin
MODEL := models/freightdesk.tar.gz
TRAIN_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONPATH := $(CURDIR)

.PHONY: run test train bench lint venv clean

run: $(MODEL)
	exec $(BIN)/python -m bot run

test: $(MODEL)
	$(BIN)/ruff check bot actions tests bench
	$(BIN)/ruff format --check bot actions tests bench
	$(BIN)/mypy bot
	$(BIN)/rasa data validate --fail-on-warnings --quiet
	$(BIN)/pytest -q tests

train: $(MODEL)

bench: $(MODEL)
	$(BIN)/python -m bench

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock .python-version
	@$(PYTHON) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(v != "$(PYTHON_VERSION)" and "need Python $(PYTHON_VERSION), found " + v)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

# Trains only when the configuration or training data changed since the last model.
$(MODEL): $(VENV)/.installed $(TRAIN_INPUTS)
	$(BIN)/rasa train --fixed-model-name freightdesk --out models --quiet
	touch $@

clean:
	rm -rf models .rasa
