# sharpeyes — two commands matter: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := venv

VENV     := .venv
BIN      := $(VENV)/bin
SE       := $(BIN)/sharpeyes
PYTEST   := $(BIN)/pytest
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH)

# A Python >= 3.12: pyenv's newest 3.12/3.13 first, then whatever is on PATH.
PYTHON ?= $(shell for p in $$(ls -d "$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V -r) \
            $$(command -v python3.13 python3.12 python3 2>/dev/null); do \
            "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$p"; break; }; done)

SYSTEM_PACKAGES := docker.io debootstrap postgresql redis-server apt-utils gnupg qemu-system-x86 qemu-utils

.PHONY: venv system-deps lint unit integration molecule e2e test test-extended demo lab-down clean snapshots

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: no Python >= 3.12 found (pyenv or PATH)"; exit 3; }
	test -x $(BIN)/python || "$(PYTHON)" -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,lint]'
	touch $@

# Debian packages the lab needs; installs only what is missing.
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: venv
	$(BIN)/ruff check src tests benchmarks netbox plugins collections
	$(BIN)/ruff format --check src tests benchmarks netbox plugins collections
	$(BIN)/mypy
	@# Layering, no imports of the lab from production code, no import cycles (pyproject.toml).
	$(BIN)/lint-imports --no-cache
	$(BIN)/yamllint --strict .
	@# Lint needs no NetBox: let the playbooks' syntax check run on an unparsed inventory.
	ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=false $(BIN)/ansible-lint --profile production

unit: venv
	@# one worker per core (pytest-xdist): the tier is CPU-bound and its tests independent
	$(PYTEST) tests/unit -q -n auto

# The integration tier resets and mutates NetBox: it runs its own lab instance (state dir, port,
# database, Redis databases), so it never wipes the NetBox `make demo` left.
TEST_LAB := SHARPEYES_STATE_DIR=$(CURDIR)/.lab/test SHARPEYES_NETBOX_PORT=8801
integration: venv system-deps
	$(TEST_LAB) $(SE) lab up netbox
	$(TEST_LAB) $(PYTEST) tests/integration -q -m integration --durations=15

# Scenarios run MOLECULE_JOBS at a time (each mostly waits on one Ansible fork and its containers;
# names and networks are per scenario), each into its log, printed whole when it ends.
MOLECULE_JOBS ?= 2
MOLECULE_LOGS := .cache/molecule-logs
molecule: venv system-deps
	$(SE) lab images
	@rm -rf $(MOLECULE_LOGS) && mkdir -p $(MOLECULE_LOGS)
	@ls molecule | grep -v '^shared$$' | xargs -P $(MOLECULE_JOBS) -I{} sh -c \
	  'start=$$(date +%s); $(BIN)/molecule test -s {} > $(MOLECULE_LOGS)/{}.log 2>&1 \
	   && touch $(MOLECULE_LOGS)/{}.ok; \
	   result=$$(test -e $(MOLECULE_LOGS)/{}.ok && echo passed || echo FAILED); \
	   { echo "== molecule test -s {}"; cat $(MOLECULE_LOGS)/{}.log; \
	     echo "== molecule test -s {}: $$result in $$(( $$(date +%s) - start )) s"; } \
	   | flock $(MOLECULE_LOGS) cat'
	@failed=$$(for s in $$(ls molecule | grep -v '^shared$$'); do \
	  test -e $(MOLECULE_LOGS)/$$s.ok || echo $$s; done); \
	  if [ -n "$$failed" ]; then echo "== molecule failed:" $$failed; exit 1; fi

e2e: venv system-deps
	@# NetBox only: the e2e fixture applies the dataset, then starts the servers NetBox lists.
	$(SE) lab up netbox
	$(PYTEST) tests/e2e -q -m 'e2e and not extended' --durations=0

# The e2e kept out of `make test` for CI time: 15 sparse 18 TB disks in the RAID VM, the network
# role's bond on the VM's kernel.
test-extended: venv system-deps
	$(SE) lab up netbox
	$(PYTEST) tests/e2e -q -m extended --durations=0

# Lint + unit + integration (real NetBox) + Molecule for every role + lab end-to-end.
# Integration and Molecule run side by side (CI time): they share nothing (the integration tier's
# own NetBox instance; Molecule's containers and networks are per scenario), and neither fills both
# cores alone (the tier mostly waits on NetBox, a scenario on one Ansible fork). Each tier's output
# is printed whole when it ends (--output-sync); the first failure fails `make test`.
test: lint unit
	$(MAKE) --no-print-directory -j2 --output-sync=target integration molecule
	$(MAKE) --no-print-directory e2e

# Set up everything and run the end-to-end pipeline as far as it exists; a re-run changes nothing.
demo: venv system-deps
	@# NetBox only: the demo applies the dataset, then starts the servers NetBox lists.
	$(SE) lab up netbox
	$(SE) demo

# Refresh the repo's NetBox baselines (netbox/snapshots/) from the current dataset; commit them.
snapshots: venv system-deps
	$(SE) lab up netbox
	$(SE) lab reset netbox --loaded
	$(SE) lab snapshot commit

lab-down:
	$(SE) lab down
	$(TEST_LAB) $(SE) lab down

clean: lab-down
	rm -rf $(VENV) .lab .cache
