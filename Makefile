# The same commands locally and in CI. Everything installs into .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Dev mode (generated webhook secrets, console logs) unless real secrets are configured.
CONSENTBOT_DEV ?= $(if $(CONSENTBOT_APP_SECRET),false,true)

.PHONY: install run test lint format bench eval train-intent clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	CONSENTBOT_DEV=$(CONSENTBOT_DEV) $(BIN)/consentbot serve

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m tests.bench.webhook
	$(BIN)/python -m tests.bench.campaign
	$(BIN)/python -m tests.bench.intent_eval

# Intent classifier quality on tests/data/replies.jsonl (per language), mistakes, speed.
eval: $(STAMP)
	$(BIN)/python -m tests.bench.intent_eval

# Retrain the intent model (bot/data/intent_model.npz) from the train split and generated variants.
train-intent: $(STAMP)
	$(BIN)/python -m bot.intent.train

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
