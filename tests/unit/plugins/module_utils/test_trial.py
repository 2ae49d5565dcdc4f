"""The failover test's decisions, table-driven: which host each fault cuts and whether its
backend can, what a probe's samples say, and which promises a trial broke."""

import pytest

from ansible_collections.hastack.web.plugins.module_utils import trial

GROUPS = {"balancers": ["lb1", "lb2"], "webservers": ["web1", "web2"], "databases": ["db1", "db2", "db3"]}
SYSTEMD = dict((host, "systemd") for hosts in GROUPS.values() for host in hosts)


@pytest.mark.parametrize("faults, backends, holder, trials, problems", [
    ([{"kind": "kill", "group": "webservers"}, {"kind": "isolate", "group": "databases"},
      {"kind": "kill", "host": "vip-holder", "services": ["haproxy"]}], SYSTEMD, "lb2",
     [{"host": "web2", "kind": "kill", "backend": "systemd", "tier": "webservers",
       "services": ["apache2", "php-fpm", "proxysql"], "vip_holder": False},
      {"host": "db3", "kind": "isolate", "backend": "systemd", "tier": "databases", "services": ["mariadb"],
       "vip_holder": False},
      {"host": "lb2", "kind": "kill", "backend": "systemd", "tier": "balancers", "services": ["haproxy"],
       "vip_holder": True}], []),
    ([{"kind": "power-cut", "host": "db1"}], SYSTEMD, None, [],
     ["failover_test_faults[0]: the systemd backend cannot cut the power of db1 (it can: kill, stop, isolate); set "
      "hastack_fault_backend for db1 to a backend that can (lab, proxmox), or choose another kind"]),
    ([{"kind": "power-cut", "host": "db1"}], dict(SYSTEMD, db1="proxmox"), None,
     [{"host": "db1", "kind": "power-cut", "backend": "proxmox", "tier": "databases", "services": ["mariadb"],
       "vip_holder": False}], []),
    ([{"kind": "kill", "host": "db1"}], dict(SYSTEMD, db1="proxmox"), None, [],
     ["failover_test_faults[0]: the proxmox backend cannot kill db1 (it can: power-cut, shutdown); set "
      "hastack_fault_backend for db1 to a backend that can (lab, systemd), or choose another kind"]),
    ([{"kind": "explode", "host": "db1"}], SYSTEMD, None, [],
     ["failover_test_faults[0]: kind 'explode' is not one of power-cut, shutdown, kill, stop, isolate"]),
    ([{"kind": "kill", "host": "vip-holder"}], SYSTEMD, None, [],
     ["failover_test_faults[0]: no balancer holds the VIP, so there is no vip-holder to cut"]),
    # the VIP may move before the trial: every balancer must be cuttable that way
    ([{"kind": "power-cut", "host": "vip-holder"}], dict(SYSTEMD, lb1="proxmox"), "lb1", [],
     ["failover_test_faults[0]: the VIP may be on any balancer when the trial starts, and the backend of lb2 cannot "
      "power-cut it; give those balancers a hastack_fault_backend that can, or name the host"]),
    ([{"kind": "power-cut", "host": "vip-holder"}], dict(SYSTEMD, lb1="proxmox", lb2="lab"), "lb2",
     [{"host": "lb2", "kind": "power-cut", "backend": "lab", "tier": "balancers", "services": ["haproxy", "keepalived"],
       "vip_holder": True}], []),
    ([{"kind": "kill", "host": "db9"}], SYSTEMD, None, [],
     ["failover_test_faults[0]: host 'db9' is not in the inventory (give host: <name> or group: <group>)"]),
    ([{"kind": "kill", "group": "caches"}], SYSTEMD, None, [], ["failover_test_faults[0]: group 'caches' has no hosts"]),
    ([{"kind": "kill", "host": "db1"}], dict(SYSTEMD, db1="vmware"), None, [],
     ["failover_test_faults[0]: db1 has hastack_fault_backend='vmware'; use one of lab, proxmox, systemd"]),
    (["kill db1"], SYSTEMD, None, [],
     ["failover_test_faults[0] must be a mapping with kind and host or group, not 'kill db1'"]),
])
def test_fault_plan(faults, backends, holder, trials, problems):
    assert trial.fault_plan(faults, GROUPS, backends, holder) == (trials, problems)


def samples(*oks, start=100.0, step=0.1):
    return [{"t": start + index * step, "ok": ok, "ms": 10 + index} for index, ok in enumerate(oks)]


@pytest.mark.parametrize("oks, cut_at, restored_at, expected", [
    ((True,) * 10, 100.3, 100.6,
     {"requests": 10, "failed": 0, "slowest_ms": 19, "longest_outage_ms": 0, "first_failure_ms": None, "before_requests": 3,
      "before_failed": 0, "during_requests": 3, "during_failed": 0, "after_requests": 4, "after_failed": 0}),
    # three failures from 100.4 to the answer at 100.7: 300 ms without an answer, the first 100 ms after the cut
    ((True, True, True, True, False, False, False, True, True, True), 100.3, 100.65,
     {"requests": 10, "failed": 3, "slowest_ms": 19, "longest_outage_ms": 300, "first_failure_ms": 100, "before_requests": 3,
      "before_failed": 0, "during_requests": 4, "during_failed": 3, "after_requests": 3, "after_failed": 0}),
    # failures to the end: the outage runs to the last sample
    ((True, True, False, False, False), 100.15, 100.5,
     {"requests": 5, "failed": 3, "slowest_ms": 14, "longest_outage_ms": 200, "first_failure_ms": 50, "before_requests": 2,
      "before_failed": 0, "during_requests": 3, "during_failed": 3, "after_requests": 0, "after_failed": 0}),
    ((), 1.0, 2.0,
     {"requests": 0, "failed": 0, "slowest_ms": 0, "longest_outage_ms": 0, "first_failure_ms": None, "before_requests": 0,
      "before_failed": 0, "during_requests": 0, "during_failed": 0, "after_requests": 0, "after_failed": 0}),
])
def test_summarize(oks, cut_at, restored_at, expected):
    assert trial.summarize(samples(*oks), cut_at, restored_at) == expected


PROMISES = {"default": {"max_failed": 0}, "balancers": {"max_failed": 5, "max_outage_ms": 3000},
            "balancers/stop": {"max_failed": 0}}
LB = {"host": "lb1", "kind": "kill", "backend": "systemd", "tier": "balancers"}


@pytest.mark.parametrize("this, summary, expected", [
    (LB, {"requests": 500, "failed": 3, "longest_outage_ms": 250, "after_failed": 0}, []),
    (LB, {"requests": 500, "failed": 7, "longest_outage_ms": 3500, "after_failed": 0},
     ["kill lb1 (systemd): 7 requests failed, more than the 5 promised",
      "kill lb1 (systemd): clients saw no answer for 3500 ms, more than the 3000 ms promised"]),
    (dict(LB, kind="stop"), {"requests": 500, "failed": 1, "longest_outage_ms": 50, "after_failed": 0},
     ["stop lb1 (systemd): 1 requests failed, more than the 0 promised"]),
    (dict(LB, tier="webservers", host="web2"),
     {"requests": 500, "failed": 1, "longest_outage_ms": 50, "after_failed": 1},
     ["kill web2 (systemd): 1 requests failed, more than the 0 promised",
      "kill web2 (systemd): 1 requests failed after the host was back"]),
    (LB, {"requests": 0, "failed": 0, "longest_outage_ms": 0, "after_failed": 0},
     ["kill lb1 (systemd): only 0 requests were sent: the probe did not run"]),
])
def test_broken_promises(this, summary, expected):
    assert trial.broken_promises(this, summary, PROMISES) == expected


DB = {"host": "db3", "kind": "isolate", "backend": "systemd", "tier": "databases"}
CALM = {"requests": 300, "failed": 0, "longest_outage_ms": 0, "after_failed": 0}
DB_PROMISES = {"default": {"max_failed": 0}, "databases": {"max_failed": 3, "max_outage_ms": 3000}}


def writes(lost=(), read_back=True, outage=900, failed=9, after=0):
    return {"acknowledged": 291, "lost": list(lost), "read_back": read_back,
            "summary": {"requests": 300, "failed": failed, "longest_outage_ms": outage, "after_failed": after}}


@pytest.mark.parametrize("case, outcome, expected", [
    ("writes failed for a while during the fault, nothing lost: kept", writes(), []),
    ("no writer ran", None, []),
    ("an acknowledged row is gone", writes(lost=[17, 18]),
     ["isolate db3 (systemd): 2 acknowledged writes were lost (rows 17, 18)"]),
    ("the rows could not be read back", writes(read_back=False),
     ["isolate db3 (systemd): the writer's rows could not be read back afterwards, so nothing shows they survived"]),
    ("writes stalled too long", writes(outage=4200),
     ["isolate db3 (systemd): writes failed for 4200 ms, more than the 3000 ms promised"]),
    ("writes failed after the node was back", writes(after=2),
     ["isolate db3 (systemd): 2 writes failed after the host was back"]),
])
def test_the_writers_promises(case, outcome, expected):
    assert trial.broken_promises(DB, CALM, DB_PROMISES, outcome) == expected, case


@pytest.mark.parametrize("samples, present, expected", [
    ([{"n": 0, "ok": True}, {"n": 1, "ok": False}, {"n": 2, "ok": True}], {0, 2},
     {"acknowledged": 2, "lost": [], "in_doubt": 0, "read_back": True}),
    ([{"n": 0, "ok": True}, {"n": 1, "ok": False}, {"n": 2, "ok": True}], {0, 1},
     {"acknowledged": 2, "lost": [2], "in_doubt": 1, "read_back": True}),
    ([{"n": 0, "ok": True}], None, {"acknowledged": 1, "lost": [], "in_doubt": 0, "read_back": False}),
    ([], set(), {"acknowledged": 0, "lost": [], "in_doubt": 0, "read_back": True}),
])
def test_write_outcome(samples, present, expected):
    assert trial.write_outcome(samples, present) == expected
