"""The preflight against broken copies of the deployed lab's own inventory, as a user would
break it: `site.yml --check` on the real containers must stop inside the preflight plays,
before any play of a role starts and with nothing reported changed, naming the host, the
variable and the fix; and no file on any container may change. Run by `make preflight-check`
(part of `make test`) on a deployed lab."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from preflight_outcome import assert_stopped_in_preflight

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "inventory" / "lab"
BIN = Path(sys.executable).parent
MARKER = "/run/hastack-preflight-check"
WATCHED = "/etc /usr/local /var/www"  # not /var/lib: the services write their own state there


def containers():
    hosts = yaml.safe_load((LAB / "hosts.yml").read_text())["all"]["children"]
    return dict((name, variables["ansible_host"]) for group in hosts.values()
                for name, variables in group["hosts"].items())


def docker(container, *argv):
    return subprocess.run(["docker", "exec", container, *argv], capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.fixture(scope="module", autouse=True)
def lab_unchanged():
    """A marker file on every container before the tests; afterwards, no file under the
    watched directories may be newer than it."""
    names = containers()
    for container in names.values():
        if docker(container, "touch", MARKER).returncode != 0:
            pytest.fail("%s is not running: deploy the lab first (make deploy)" % container)
    yield
    changed = {}
    for host, container in names.items():
        found = docker(container, "sh", "-c", "find %s -xdev -type f -newer %s 2>/dev/null; rm -f %s"
                       % (WATCHED, MARKER, MARKER)).stdout.split()
        if found:
            changed[host] = found
    assert not changed, "the preflight changed files on the lab: %s" % changed


def broken_inventory(tmp_path, edit):
    """A copy of inventory/lab (secrets included), changed by `edit(directory)`."""
    copy = tmp_path / "inventory"
    shutil.copytree(LAB, copy)
    edit(copy)
    return copy


def append(relative, text):
    def edit(directory):
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            handle.write(text)
    return edit


def without_db3_but_with_an_arbitrator(directory):
    """db3 taken out of the inventory while it still runs (not retired); lb1 as garbd keeps
    the votes odd, so that only the running cluster can tell."""
    hosts = yaml.safe_load((directory / "hosts.yml").read_text())
    del hosts["all"]["children"]["databases"]["hosts"]["db3"]
    (directory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    append("group_vars/databases.yml", "galera_arbitrator_host: lb1\n")(directory)


@pytest.fixture(scope="module")
def facts(tmp_path_factory):
    """A fact cache for this module's runs: every broken copy names the same containers, so
    the first run's gathering (about 4 CPU-seconds for the seven) serves the others. It lives
    in pytest's temporary directory, where nothing else reads it."""
    return tmp_path_factory.mktemp("lab-facts")


def run(inventory, facts, playbook="site.yml"):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_GATHERING="smart",
               ANSIBLE_CACHE_PLUGIN="ansible.builtin.jsonfile", ANSIBLE_CACHE_PLUGIN_CONNECTION=str(facts))
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), playbook, "--check"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    return proc.returncode, proc.stdout + proc.stderr


# One mistake per place a user edits (group_vars, host_vars, hosts.yml) and what only the running
# cluster can tell. The other classes of mistake (allowed values, one balancer, a password
# differing between the tiers, a VIP with a prefix length) go through the same plays and
# are tests/integration/test_site_preflight.py's, on fake hosts, where a run costs less.
@pytest.mark.parametrize("edit, expected", [
    # a YAML boolean where no choice means it
    (append("group_vars/databases.yml", "galera_innodb_flush_log_at_trx_commit: yes  # unquoted, as users write it\n"),
     ["db1: hastack.web.galera cannot use the inventory's values",
      "galera_innodb_flush_log_at_trx_commit is the boolean true", "Write one of these values instead"]),
    # the cause, not its consequence
    (append("host_vars/web1.yml", "hastack_private_address: ''\n"),
     ["web1 has no hastack_private_address: set it to the host's cluster address in the inventory"]),
    # what only the running cluster knows: a member the inventory forgot before retiring it
    (without_db3_but_with_an_arbitrator,
     ["is in a running Galera cluster with 172.22.77.23", "retire it first (retire.yml --limit <node>"]),
], ids=["yaml-boolean", "no-address", "forgotten-node"])
def test_a_broken_lab_inventory_stops_site_yml_in_the_preflight(tmp_path, facts, edit, expected):
    rc, out = run(broken_inventory(tmp_path, edit), facts)
    assert_stopped_in_preflight(rc, out, *expected)
    assert "in no HAProxy backend" not in out and "must be two different IP addresses" not in out


def test_a_misspelt_variable_is_warned_about_and_the_preflight_goes_on(tmp_path, facts):
    # warned, not failed; the balancers only, where keepalived runs
    rc, out = run(broken_inventory(tmp_path, append("group_vars/all/balancers.yml", "keepalived_advert_intt: 0.1\n")),
                  facts, "playbooks/preflight.yml")
    assert rc == 0, out[-3000:]
    flat = " ".join(out.split())
    for host in ("lb1", "lb2"):
        assert "%s: keepalived_advert_intt is set in the inventory, but hastack.web.keepalived has no such variable " \
               "and ignores it: did you mean keepalived_advert_int?" % host in flat
    assert flat.count("keepalived_advert_intt is set in the inventory") == 2


def test_the_lab_writes_off_unquoted_and_keeps_nopreempt():
    text = (LAB / "group_vars" / "all" / "balancers.yml").read_text()
    assert re.search(r"^keepalived_preempt: off\b", text, re.M), "the lab must keep the unquoted form"
    for host in ("lb1", "lb2"):
        config = docker(containers()[host], "cat", "/etc/keepalived/keepalived.conf").stdout
        assert re.search(r"^\s+nopreempt$", config, re.M), (host, config)
