"""The reference generator turns Ansible's doc markup into Markdown that tables survive."""

import pytest

from hastack_lab import ROOT
from hastack_lab.gates import reference as gen_reference


@pytest.mark.parametrize("source, markdown", [
    ("Set O(name) to C(lb1).", "Set `name` to `lb1`."),
    ("Returns RV(vmid); V(true) or E(PROXMOX_HOST).", "Returns `vmid`; `true` or `PROXMOX_HOST`."),
    ("See L(the docs, https://example.org/x) or U(https://example.org).",
     "See [the docs](https://example.org/x) or <https://example.org>."),
    ("I(italic) and B(bold), P(hastack.web.proxysql_tables#filter).",
     "*italic* and **bold**, `hastack.web.proxysql_tables`."),
    (["one", "two"], "one two"),
    ("a | b\nc", "a \\| b c"),
    (None, ""),
])
def test_text(source, markdown):
    assert gen_reference.text(source) == markdown


@pytest.mark.parametrize("value, shown", [
    (None, ""), ("", '`""`'), (80, "`80`"), (True, "`true`"), ("{{ x }}", "`{{ x }}`"),
    ({"a": "b" * 80}, "`" + ('{"a": "' + "b" * 80)[:57] + "...`"),
])
def test_default(value, shown):
    assert gen_reference.default(value) == shown


def test_suboptions_are_listed_under_their_parent():
    rows = gen_reference.option_rows({"nics": {"type": "list", "elements": "dict", "description": "cards",
                                               "options": {"bridge": {"required": True, "description": "br"}}}})
    assert rows == ["| `nics` | list of dict |  | cards |", "| `nics[].bridge` | str; required |  | br |"]


def test_the_preflight_rules_list_every_check_in_the_order_it_runs():
    table = gen_reference.preflight_rules().splitlines()[2:]
    import yaml
    checks = 0
    for role in ("common", "haproxy", "keepalived", "galera", "galera_backup", "galera_arbitrator", "proxysql",
                 "apache_phpfpm", "rsync_sync"):
        tasks = yaml.safe_load((ROOT / "roles" / role / "tasks" / "preflight.yml").read_text())
        checks += sum(1 for task in tasks if any(module in task for module in gen_reference.CHECK_MODULES))
    assert len(table) == checks + len(gen_reference.site_rules())
    sources = [row.split(" | ")[2] for row in table]
    assert sources[0] == "common" and sources.index("site") < sources.index("haproxy")  # addresses first
    assert any("hastack_public_vip" in row for row in table if " site " in row)


def test_the_rules_in_docs_inventory_are_the_generated_ones():
    current = gen_reference.INVENTORY.read_text()
    assert gen_reference.inventory_doc(current) == current, "run tools/lab gate reference"
