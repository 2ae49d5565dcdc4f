"""The pure decisions of hastack.web.proxysql_backend: where a backend stands in ProxySQL's
runtime, what it is still waiting for, and which runtime rows change."""

import pytest

from ansible_collections.hastack.web.plugins.module_utils.proxysql import (
    backend_changes, backend_traffic, backend_waiting_for)

DB1, DB2, DB3 = "10.0.0.21", "10.0.0.22", "10.0.0.23"


def row(hostgroup, host, status="ONLINE", weight=1000, port="3306"):
    return {"hostgroup_id": str(hostgroup), "hostname": host, "port": port, "status": status, "weight": str(weight)}


def pool(hostgroup, host, used, port="3306"):
    return {"hostgroup": str(hostgroup), "srv_host": host, "srv_port": port, "ConnUsed": str(used)}


@pytest.mark.parametrize("runtime, stats, online, used", [
    # a reader: ONLINE in the reader hostgroup; its backup-writer row does not serve
    ([row(20, DB1), row(30, DB1), row(10, DB2)], [pool(30, DB1, 2), pool(10, DB2, 5)], [30], 2),
    # drained (weight 0), connections still finishing
    ([row(30, DB1, weight=0), row(20, DB1, weight=0)], [pool(30, DB1, 1)], [], 1),
    # SHUNNED or OFFLINE_SOFT: no new statements either
    ([row(10, DB1, "SHUNNED"), row(30, DB1, "OFFLINE_SOFT")], [], [], 0),
    # moved to the offline hostgroup by the monitor: ONLINE there, but nothing routes to it
    ([row(9999, DB1)], [], [], 0),
    # another port on the same address is another backend
    ([row(30, DB1, port="3307")], [pool(30, DB1, 4, port="3307")], [], 0),
    ([row(10, DB1), row(30, DB2)], [pool(10, DB1, 0)], [10], 0),
    ([], [], [], 0),
])
def test_backend_traffic(runtime, stats, online, used):
    assert backend_traffic(runtime, stats, DB1, 3306, [10, 30]) == {"online_in": online, "connections_used": used}


@pytest.mark.parametrize("traffic, state, waiting", [
    ({"online_in": [], "connections_used": 0}, "drained", ""),
    ({"online_in": [30], "connections_used": 0}, "drained", "still takes new statements in hostgroup 30"),
    ({"online_in": [], "connections_used": 3}, "drained", "3 backend connections are still in use"),
    ({"online_in": [10], "connections_used": 3}, "drained", "still takes new statements in hostgroup 10"),
    ({"online_in": [30], "connections_used": 3}, "online", ""),
    ({"online_in": [], "connections_used": 0}, "online", "in none of the serving hostgroups"),
])
def test_backend_waiting_for(traffic, state, waiting):
    found = backend_waiting_for(traffic, state)
    assert (found == "") == (waiting == "")
    assert waiting in found


# The paper's layout as the Galera monitor keeps it: db3 writes, db1 and db2 are standby
# writers (SHUNNED in 10, ONLINE in the backup-writer hostgroup 20) and readers (30).
LAYOUT = [row(10, DB3, weight=1000), row(10, DB2, "SHUNNED", 999), row(10, DB1, "SHUNNED", 998),
          row(20, DB2, weight=999), row(20, DB1, weight=998), row(30, DB2, weight=999), row(30, DB1, weight=998)]
CONFIGURED = [row(10, DB3, weight=1000), row(10, DB2, weight=999), row(10, DB1, weight=998)]


def drained(layout, host):
    return [dict(r, weight="0") if r["hostname"] == host else r for r in layout]


def summary(changes):
    return sorted((r["hostgroup_id"], r["hostname"], sorted(change.items())) for r, change in changes)


@pytest.mark.parametrize("runtime, host, state, expected, problem", [
    # a reader: weight 0 on each of its rows, nothing handed over
    (LAYOUT, DB1, "drained", [("10", DB1, [("weight", "0")]), ("20", DB1, [("weight", "0")]),
                              ("30", DB1, [("weight", "0")])], ""),
    # the writer: weight 0, and the heaviest standby writer ONLINE in the same load
    (LAYOUT, DB3, "drained", [("10", DB2, [("status", "ONLINE")]), ("10", DB3, [("weight", "0")])], ""),
    # the standby is db1 when db2 is not there
    ([r for r in LAYOUT if r["hostname"] != DB2], DB3, "drained",
     [("10", DB1, [("status", "ONLINE")]), ("10", DB3, [("weight", "0")])], ""),
    # the only writer: nothing changes, and the problem says why
    ([row(10, DB3)], DB3, "drained", [], "the only writer of hostgroup 10"),
    # drained already: nothing to do
    (drained(LAYOUT, DB1), DB1, "drained", [], ""),
    # online: the configured weight back where it is 0
    (drained(LAYOUT, DB1), DB1, "online", [("10", DB1, [("weight", "998")]), ("20", DB1, [("weight", "998")]),
                                           ("30", DB1, [("weight", "998")])], ""),
    (LAYOUT, DB1, "online", [], ""),
    # a server the configuration does not know keeps its rows
    (drained(LAYOUT, DB1), "10.0.0.99", "online", [], ""),
])
def test_backend_changes(runtime, host, state, expected, problem):
    changes, found = backend_changes(runtime, CONFIGURED, host, 3306, state, writer_hostgroup=10)
    assert summary(changes) == expected
    assert (found == "") == (problem == "") and problem in found
