# Matchmaker — `make run` to try it, `make test` to check it. `make help` lists the rest.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app matchmaker
HOST   ?= 127.0.0.1
PORT   ?= 5000
PO     := $(wildcard matchmaker/translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

.DEFAULT_GOAL := help
.PHONY: help run test lint fmt install install-dev translations extract-messages db clean bench bench-quality load

help: ## Show this list
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed ## Create .venv and install the runtime requirements

install-dev: $(VENV)/.installed-dev ## Install the test and lint tools too

%.mo: %.po
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations: $(VENV)/.installed $(MO) ## Compile the message catalogues

db: $(VENV)/.installed ## Create or upgrade the database (SQLite in instance/, or DATABASE_URL)
	$(FLASK) db upgrade

run: translations db ## Install, migrate, load the demo data and build suggestions on first run, serve
	$(FLASK) seed-demo --if-empty
	$(FLASK) rebuild-matches --if-missing
	$(FLASK) seed-demo-history
	@echo
	@$(FLASK) demo-logins
	@echo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C stops)"
	$(FLASK) serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-dev ## ruff check, ruff format --check, bandit (medium and high)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r matchmaker -ll

fmt: $(VENV)/.installed-dev ## Format the code and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(VENV)/.installed-dev translations lint ## Lint, then run the whole suite (browser tests included)
	$(BIN)/pytest

BENCH_DIR ?= ../shared/benchmarks/major_occupation

$(VENV)/.installed-bench: requirements-bench.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-bench.txt
	@touch $(VENV)/.installed $@

bench: $(VENV)/.installed-bench ## Matching speed and memory at 10k/100k/1M, side by side with baselines
	$(BIN)/python -m bench.matching

LOAD_ARGS ?=

load: $(VENV)/.installed-bench ## The site under locust (gunicorn -w 4, PostgreSQL, Redis) at demo and 100k scale
	$(BIN)/python -m bench.load $(LOAD_ARGS)

bench-quality: $(VENV)/.installed ## nDCG@10, P@10, R@10, MRR@10 on BENCH_DIR, full text and titles only
	$(BIN)/python -m matchmaker.matching.evaluate $(BENCH_DIR)
	$(BIN)/python -m matchmaker.matching.evaluate $(BENCH_DIR) --title-only

extract-messages: $(VENV)/.installed ## Extract UI strings and merge them into the catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -o matchmaker/translations/messages.pot .
	$(BIN)/pybabel update -i matchmaker/translations/messages.pot -d matchmaker/translations --no-fuzzy-matching

clean: ## Remove the virtualenv, caches and compiled catalogues
	rm -rf $(VENV) .pytest_cache .ruff_cache $(MO)
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
