# aduan — every target sets up what it needs. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
ADUAN := $(VENV)/bin/aduan
N ?= 5000

.PHONY: setup demo test up down status bench eval replay-dlq clean

# virtualenv + the project with its test and bench extras; redone when pyproject.toml changes
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "aduan needs Python 3.11"'
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check --upgrade pip
	@$(VENV)/bin/pip install -q --disable-pip-version-check -e ".[test,bench]"
	@touch $@

setup: $(VENV)/.installed

demo: setup  ## the whole pipeline on the sample complaints, with a summary
	@$(ADUAN) demo

test: setup  ## infrastructure up, then the whole suite
	@$(ADUAN) test -- -q

up: setup  ## everything started in the background; endpoints printed
	@$(ADUAN) up

down: setup  ## stop everything `make up` started
	@$(ADUAN) down

status: setup
	@$(ADUAN) status

BENCH ?= burst
RATE ?= 100
SECONDS ?= 30
WARMUP ?= 10
bench: setup  ## make bench N=5000 | make bench BENCH=steady RATE=100 SECONDS=30 | BENCH=intake | BENCH=scale-out N=3000
	@$(ADUAN) bench $(BENCH) $(if $(filter steady,$(BENCH)),--rate $(RATE) --seconds $(SECONDS) --warmup $(WARMUP),$(if $(filter intake,$(BENCH)),,--n $(N)))

eval: setup  ## routing accuracy on ../shared/data (when present)
	@$(ADUAN) eval-routing

replay-dlq: setup
	@$(ADUAN) replay-dlq

clean: down
	@bash deploy/local/postgres.sh purge
	rm -rf var
