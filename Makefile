# Freight Desk. The two set-up commands are `make run` and `make test`; both set up a
# bare machine (venv, dependencies, trained model) before they do their work.
SHELL := /bin/bash
PYTHON_VERSION := $(shell cat .python-version)
PYTHON ?= $(shell command -v python$(PYTHON_VERSION) || echo python3)
VENV := .venv
BIN := $(VENV)/bin
MODEL := models/freightdesk.tar.gz
TRAIN_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' -o -name '*.txt' 2>/dev/null) bot/engine/nlu/tokenizer.py
# The web chat page, built from web/ into the git-ignored web/dist by the project's esbuild.
WEB_DIST := web/dist/index.html
WEB_SOURCES := web/build.mjs $(wildcard web/src/*) $(wildcard bot/console/static/*.css)
# Debian's Chromium for the browser test; Playwright drives it and never downloads one.
CHROMIUM := /usr/bin/chromium
# Debian's fonts for the service review PDF (English and Chinese), and poppler's pdftotext
# and pdffonts, with which the tests read the PDF back; never downloaded at run time.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
TEXT_FONT := /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
PDFTOTEXT := /usr/bin/pdftotext
# Debian's HAProxy in front of the production profile's replicas (bot/ops/haproxy.py);
# tests/ops/test_deploy_compose.py also checks the compose stack's haproxy.cfg with
# `haproxy -c`. (hadolint and kubectl's kustomize are PyPI wheels in requirements.lock.)
HAPROXY := /usr/sbin/haproxy
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONPATH := $(CURDIR)

.PHONY: run test train bench lint venv web clean

run: $(MODEL) $(WEB_DIST) $(CJK_FONT) $(TEXT_FONT) $(HAPROXY)
	exec $(BIN)/python -m bot run

# `lint-imports` keeps the layout's import rules (pyproject.toml, README "Layout");
# `rasa data validate` fails on errors; tests/test_training_data.py fails on any warning
# but Rasa's known false alarm about form questions.
test: $(MODEL) $(WEB_DIST) $(CHROMIUM) $(CJK_FONT) $(TEXT_FONT) $(PDFTOTEXT) $(HAPROXY)
	$(BIN)/ruff check bot actions tests bench deploy
	$(BIN)/ruff format --check bot actions tests bench deploy
	$(BIN)/mypy bot
	$(BIN)/lint-imports
	$(BIN)/rasa data validate --quiet
	$(BIN)/pytest -q tests

train: $(MODEL)

bench: $(MODEL) $(HAPROXY)
	$(BIN)/python -m bench

# The dialogue explorer's whole grid: every multi-turn flow x every step x every class of
# off-script reply, in English and in Chinese (~1,330 conversations on one stack), with its
# figures per flow and language; `EXPLORE_LANG=en` or `zh` plays one language. `make test`
# runs a seeded sample of it (tests/e2e/test_explorer.py, tests/explorer/).
.PHONY: explore
explore: $(MODEL)
	EXPLORE=all $(BIN)/pytest -q -s -p no:cacheprovider tests/e2e/test_explorer.py

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

web: $(WEB_DIST)

# A screenshot of each console page under docs/console/ (referenced from docs/dashboard.md):
# the console on demo data and a Rasa stand-in, in headless Chromium.
.PHONY: screenshots
screenshots: $(VENV)/.installed $(WEB_DIST) $(CHROMIUM)
	$(BIN)/python -m tests.support.screenshots docs/console

# npm ci installs exactly the committed package-lock.json; again only when it changes.
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

$(WEB_DIST): web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

$(CJK_FONT):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-noto-cjk

$(TEXT_FONT):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-dejavu-core

$(PDFTOTEXT):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y poppler-utils

$(HAPROXY):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y haproxy

clean:
	rm -rf models .rasa web/dist
