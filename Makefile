# hastack.web - the two commands a newcomer needs:
#   make deploy   the whole stack into the local container lab
#   make test     every gate CI runs (lint, sanity, unit, build, Molecule)
# Everything runs from a virtualenv built from the pinned requirements.

SHELL        := /bin/bash
.SHELLFLAGS  := -eu -o pipefail -c
PYTHON       ?= python3
VENV         ?= .venv
BIN          := $(CURDIR)/$(VENV)/bin
COLLECTIONS  := $(CURDIR)/.collections
export PATH  := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_FORCE_COLOR ?= 0
export PY_COLORS ?= 0
# Molecule scenarios, longest first: MOLECULE_JOBS of them run at once, each in its own
# containers and networks, and a new one starts as soon as a lane is free.
SCENARIOS    ?= galera galera_arbitrator keepalived rsync_sync apache_phpfpm haproxy common
MOLECULE_JOBS ?= 2
BUILD_DIR    := $(CURDIR)/build
# The project's tools, one entry point (tools/lab --help): the lab, the experiments, the gates
LAB          := $(BIN)/python tools/lab

.PHONY: help venv lab-up lab-status lab-down deploy proxysql-experiment proxysql-check failover-experiment failover-check maintenance-experiment maintenance-check galera-experiment site-experiment site-check preflight-check failover-test failover-test-check sync-benchmark cost-experiment test lint yamllint ansible-lint \
        sanity unit integration argspec-check reference-check reference diagram-check diagram build-check molecule changelog \
        constraints clean

help:
	@sed -n 's/^#   //p' Makefile

# ---------------------------------------------------------------- environment

$(VENV)/.installed: requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(COLLECTIONS)/ansible_collections/hastack/web:
	mkdir -p $(COLLECTIONS)/ansible_collections/hastack
	ln -sfn ../../.. $@

venv: $(VENV)/.installed $(COLLECTIONS)/ansible_collections/hastack/web

constraints: ## re-pin every package after changing requirements.txt
	rm -rf $(VENV).pin && $(PYTHON) -m venv $(VENV).pin
	$(VENV).pin/bin/pip install --quiet -r requirements.txt
	{ sed -n '1,2p' constraints.txt; $(VENV).pin/bin/pip freeze; } > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf $(VENV).pin

# ---------------------------------------------------------------- the lab

lab-up: venv
	$(LAB) up

lab-status: venv
	$(LAB) status

lab-down: venv
	$(LAB) down

deploy: lab-up
	$(BIN)/ansible-playbook site.yml
	$(LAB) where

# ProxySQL (needs PROXYSQL_DEB): the writer's power cut, TRIALS per arm (the role's settings,
# ProxySQL's defaults, retryable writes); ProxySQL killed; db3 cut off from web1; a reader behind
proxysql-experiment: deploy
	$(LAB) experiment proxysql --trials $(PROXYSQL_TRIALS)
PROXYSQL_TRIALS ?= 20

# The paper's balancer failover test, measured: TRIALS=50 FAULTS=hard-kill,... SOAK=600 (see docs/results/)
TRIALS ?= 50
FAULTS ?= hard-kill,graceful-stop,haproxy-kill,network-cut
SOAK   ?= 600
failover-experiment: deploy
	$(LAB) experiment failover --trials $(TRIALS) --faults $(FAULTS) --soak $(SOAK)

# Galera: crash recovery (CRASH_TRIALS), a node's power cut tuned vs defaults, soak, rolling restart
CRASH_TRIALS ?= 10
KILL_TRIALS  ?= 5
galera-experiment: deploy
	$(LAB) experiment galera --trials $(CRASH_TRIALS) --kill-trials $(KILL_TRIALS) --soak $(SOAK)

# The whole system: each server fails in turn under load (the paper's table 5), load
# distribution, replication delay, converge time (see docs/results/)
site-experiment: deploy
	$(LAB) experiment site

# The full stack in the lab, as CI runs it after the Molecule scenarios: deploy, then a short
# site experiment (a balancer, a web server and a database node each lose power under load;
# distribution; replication; Chromium over HTTP and HTTPS; wrk, one round each way), which
# exits 1 on a broken promise. Its last part is the second converge, which must change nothing: it runs
# hastack.web.site from the collection built and installed as from Galaxy, not site.yml.
# Then the paper's failure tests through the entry point users run on their own clusters,
# hastack.web.failover_test, with its systemd backend (see failover-test-check below).
# Reports and screenshots: build/site-check/. The lab stays up (make lab-down).
SITE_CHECK_SERVERS ?= lb1,web1,db3
GALAXY_DIR   := $(BUILD_DIR)/galaxy
site-check: deploy
	rm -rf $(BUILD_DIR)/site-check $(GALAXY_DIR)
	$(BIN)/ansible-galaxy collection build . --output-path $(GALAXY_DIR) >/dev/null
	ANSIBLE_COLLECTIONS_PATH=$(GALAXY_DIR)/collections $(BIN)/ansible-galaxy collection install --offline \
	    -p $(GALAXY_DIR)/collections $(GALAXY_DIR)/hastack-web-*.tar.gz >/dev/null
	rc=0; $(LAB) experiment site --servers $(SITE_CHECK_SERVERS) --modes kill --wrk-rounds 1 \
	    --converge-collections $(GALAXY_DIR)/collections --out $(BUILD_DIR)/site-check || rc=$$?; \
	    cat $(BUILD_DIR)/site-check/report.md || true; exit $$rc
	$(failover_test_check)

# The paper's failure tests through the entry point a user runs on their own cluster
# (hastack.web.failover_test), here on the lab: by default through the systemd backend, as on
# a cluster without hypervisor access. FAILOVER_TEST_ARGS adds -e settings, e.g.
#   make failover-test FAILOVER_TEST_ARGS='-e failover_test_backend=lab -e @faults.yml'
# with faults.yml holding, for example:  failover_test_faults: [{kind: power-cut, host: db1}]
FAILOVER_TEST_ARGS ?=
failover-test: deploy
	$(BIN)/ansible-playbook playbooks/failover_test.yml -e failover_test_confirm=true \
	    -e failover_test_out=$(BUILD_DIR)/failover-test $(FAILOVER_TEST_ARGS)

# The same, short, as CI runs it (the end of site-check): a web server's services killed, the
# preferred writer isolated by nftables (healing itself), the VIP holder's services stopped (the
# VIP moves), then the new holder's HAProxy killed; it exits non-zero on a broken promise.
# Report: build/failover-test-check/. Then tests/lab/test_failover_test.py: the two vip-holder
# trials cut different balancers, and the controller is killed while db1 is isolated, and the
# isolation must remove itself.
FAILOVER_TEST_CHECK_FAULTS := [{"kind": "kill", "group": "webservers"}, {"kind": "isolate", "group": "databases"}, \
    {"kind": "stop", "host": "vip-holder"}, {"kind": "kill", "host": "vip-holder", "services": ["haproxy"]}]
define failover_test_check
$(BIN)/ansible-playbook playbooks/failover_test.yml -e failover_test_confirm=true -e failover_test_backend=systemd \
    -e failover_test_lead=3 -e failover_test_hold=8 -e failover_test_tail=5 \
    -e '{"failover_test_faults": $(FAILOVER_TEST_CHECK_FAULTS)}' -e failover_test_out=$(BUILD_DIR)/failover-test-check
FAILOVER_TEST_CHECK_RUN=$(BUILD_DIR)/failover-test-check/results.json $(BIN)/python -m pytest -q tests/lab/test_failover_test.py
endef
failover-test-check: deploy
	$(failover_test_check)

# The preflight against broken copies of the lab's inventory (tests/lab): site.yml --check must
# stop in the preflight, naming the host, the variable and the fix, and change no file on the lab.
preflight-check: deploy
	$(BIN)/python -m pytest -q tests/lab/test_preflight.py

# ProxySQL, short, as CI runs it after site-check: one writer power cut with the role's
# settings (Galera's own stall measured beside it), and ProxySQL killed on web1 under the
# demo's stream. It exits 1 on a broken promise. Report: build/proxysql-check/. A lab without
# ProxySQL (no PROXYSQL_DEB, no reachable repository) is told so, and the check does not run.
proxysql-check: deploy
	rm -rf $(BUILD_DIR)/proxysql-check
	rc=0; $(LAB) experiment proxysql --if-installed --parts writer,kill --trials 1 --arms tuned \
	    --kill-trials 1 --out $(BUILD_DIR)/proxysql-check || rc=$$?; \
	    cat $(BUILD_DIR)/proxysql-check/report.md 2>/dev/null || true; exit $$rc

# The balancer experiment, short, as CI runs it after site-check: FAILOVER_CHECK_TRIALS power
# cuts of the VIP holder with the collection's keepalived settings. It exits 1 on a broken
# promise (docs/testing.md). keepalived's defaults (advert_int 1, about 3 s a failover) are
# left to make failover-experiment: the 400 ms bound on every trial is a stronger check of the
# tuning than being below them, and the arm cost CI 80 s. Report and timeline:
# build/failover-check/.
FAILOVER_CHECK_TRIALS ?= 3
failover-check: deploy
	rm -rf $(BUILD_DIR)/failover-check
	rc=0; $(LAB) experiment failover --trials $(FAILOVER_CHECK_TRIALS) --faults hard-kill \
	    --arms tuned --soak 0 --check --out $(BUILD_DIR)/failover-check || rc=$$?; \
	    cat $(BUILD_DIR)/failover-check/report.md || true; exit $$rc

# Rolling maintenance under the site's load (playbooks/rolling_maintenance.yml, each node's
# services restarted): MAINTENANCE_NODES (default all seven, `holder` is the VIP holder) while
# the demo's stream asks the VIP and a writer per web server inserts through ProxySQL. The
# short form CI runs: a database (the writer), a web server and the VIP holder, then what the
# playbooks refuse (tests/lab/test_maintenance.py), under CHECK_LOAD (below). Both exit 1 on a
# broken promise. Reports: docs/results/<date>/maintenance/, build/maintenance-check/.
MAINTENANCE_NODES ?= db1,db2,db3,web1,web2,lb1,lb2
maintenance-experiment: deploy
	$(LAB) experiment maintenance --nodes $(MAINTENANCE_NODES) --action restart

maintenance-check: deploy
	rm -rf $(BUILD_DIR)/maintenance-check
	rc=0; $(LAB) experiment maintenance --if-installed --nodes db3,web1,holder --action restart $(CHECK_LOAD) \
	    --out $(BUILD_DIR)/maintenance-check || rc=$$?; \
	    cat $(BUILD_DIR)/maintenance-check/report.md 2>/dev/null || true; exit $$rc
	$(BIN)/python -m pytest -q tests/lab/test_maintenance.py

# Growing and shrinking under the site's load: SCALE_ADD (database nodes two at a time, web
# servers) added to a copy of the lab inventory and brought in by site.yml, the load run on the
# grown cluster, then retire.yml and site.yml on the lab's own inventory, the containers removed.
# Exits 1 on a broken promise. Report: docs/results/<date>/scale/.
SCALE_ADD ?= db4,db5,web3
scale-experiment: deploy
	$(LAB) experiment scale --add $(SCALE_ADD)

# The short form CI runs: two database nodes (the smallest step that keeps the count odd) added
# and retired under CHECK_LOAD. Report: build/scale-check/.
#
# CHECK_LOAD, the load of CI's maintenance and scale checks. The experiments' full load takes
# about 1.5 of the lab's 2 CPUs and leaves the playbooks the rest (the scale converges 7-14 min,
# keepalived starved); this one, about 19 requests and 19 writes a second and 0.35 CPUs, still
# finds a request or a write that a drain, a restart or a growth breaks, with hundreds of each
# in every node's window, and the reports say the rates that came. Measured on 2026-12-07:
# rolling_maintenance.yml over db3, web1 and the VIP holder 119 s under the full load, 64 s at
# --pause 0.1 --write-pause 0.05, 59 s at this one; the scale check's phases 395 s and 345 s
# at the last two.
CHECK_LOAD := --pause 0.2 --write-pause 0.1
scale-check: deploy
	rm -rf $(BUILD_DIR)/scale-check
	rc=0; $(LAB) experiment scale --if-installed --add db4,db5 $(CHECK_LOAD) --out $(BUILD_DIR)/scale-check \
	    || rc=$$?; \
	    cat $(BUILD_DIR)/scale-check/report.md 2>/dev/null || true; exit $$rc

# What the balancers cost, in a way shared CPUs do not distort: CPU per request of each tier
# (cgroups) and the latency the VIP adds at a fixed rate (COST_ARGS: --rate, --seconds, --rounds)
COST_ARGS ?=
cost-experiment: deploy
	$(LAB) experiment cost $(COST_ARGS)

# How fast rsync_sync propagates files between the web servers (see docs/results/)
sync-benchmark: deploy
	$(LAB) experiment sync

# ---------------------------------------------------------------- tests

test: venv lint changelog sanity unit integration argspec-check reference-check diagram-check build-check molecule site-check \
      preflight-check proxysql-check failover-check maintenance-check scale-check
	@echo "make test: all gates passed"

lint: yamllint ansible-lint

yamllint: venv
	$(BIN)/yamllint --strict .

ansible-lint: venv
	$(BIN)/ansible-lint --profile production --strict

sanity: venv
	$(LAB) gate sanity

unit: venv
	$(BIN)/python -m pytest tests/unit tools/hastack_lab/tests

integration: venv
	$(BIN)/python -m pytest -n auto tests/integration

argspec-check: venv
	$(LAB) gate argspecs

# docs/reference/ is generated from the argument specs and module docs: regenerate with `make reference`
reference-check: venv
	$(LAB) gate reference --check

reference: venv
	$(LAB) gate reference

# docs/architecture.svg is drawn from docs/architecture.diagram.yml: redraw with `make diagram`
diagram-check: venv
	$(LAB) gate diagram --check

diagram: venv
	$(LAB) gate diagram

build-check: venv
	$(LAB) gate build-check

molecule: venv
	$(LAB) image --lists-max-age 20
	rm -rf $(BUILD_DIR)/molecule
	@rc=0; $(MAKE) --no-print-directory -j$(MOLECULE_JOBS) $(addprefix molecule-,$(SCENARIOS)) || rc=$$?; \
	    if [ $$rc -ne 0 ]; then $(LAB) gate molecule-failures $(BUILD_DIR)/molecule; fi; exit $$rc

# One scenario; each line of its output carries the scenario's name, as two run at once.
# The output is kept in build/molecule/<scenario>.log, for the summary above.
molecule-%: venv
	@mkdir -p $(BUILD_DIR)/molecule; echo "[$*] molecule test -s $* started"
	@start=$$SECONDS; rc=0; $(BIN)/molecule test -s $* 2>&1 | tee $(BUILD_DIR)/molecule/$*.log \
	    | sed -u 's/^/[$*] /' || rc=$$?; \
	    echo "[$*] molecule test -s $* exited $$rc after $$((SECONDS - start)) s"; \
	    if [ $$rc -ne 0 ]; then touch $(BUILD_DIR)/molecule/$*.failed; fi; exit $$rc

changelog: venv
	$(BIN)/antsibull-changelog lint

clean:
	rm -rf $(BUILD_DIR) .pytest_cache .cache hastack-web-*.tar.gz
