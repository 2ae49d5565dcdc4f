"""The whole-system experiment's pure analysis: what the demo page said, and what clients saw."""

import json

import pytest

from hastack_lab import ROOT
from hastack_lab import site as sl


def hit(sent, done=None, ok=True, server="web1", **kw):
    return sl.Hit(sent, sent + 0.01 if done is None else done, ok, 200 if ok else 0, server if ok else "", **kw)


@pytest.mark.parametrize("status, body, expected", [
    (200, json.dumps({"server": "web2", "database": {"status": "ok", "read_by": "db1", "write_by": "db3"}}),
     {"ok": True, "server": "web2", "read_by": "db1", "write_by": "db3", "database": "ok"}),
    (200, json.dumps({"server": "web1", "database": {"status": "ProxySQL not installed: no package"}}),
     {"ok": True, "server": "web1", "read_by": "", "write_by": "", "database": "ProxySQL not installed: no package"}),
    (200, json.dumps({"server": "web1", "database": {"status": "not configured"}}),
     {"ok": True, "server": "web1", "read_by": "", "write_by": "", "database": "not configured"}),
    # a 200 that says the database path failed is no answer (the page answers 503 today)
    (200, json.dumps({"server": "web1", "database": {"status": "unavailable: Connection refused"}}),
     {"ok": False, "server": "web1", "read_by": "", "write_by": "", "database": "unavailable: Connection refused",
      "error": "database unavailable: Connection refused"}),
    (200, json.dumps({"server": "web2", "database": {"status": "error: Lost connection", "read_by": "db1"}}),
     {"ok": False, "server": "web2", "read_by": "db1", "write_by": "", "database": "error: Lost connection",
      "error": "database error: Lost connection"}),
    (503, "<html>no server is available</html>", {"ok": False, "error": "HTTP 503"}),
    (200, "<html>not json</html>", {"ok": False, "error": "not the demo's JSON"}),
    (200, json.dumps(["a list"]), {"ok": False, "error": "not the demo's JSON"}),
    (200, json.dumps({"server": ""}), {"ok": False, "server": "", "read_by": "", "write_by": "", "database": ""}),
])
def test_parse_demo(status, body, expected):
    assert sl.parse_demo(status, body.encode()) == expected


def test_distribution_counts_good_answers_per_server():
    hits = [hit(i, server="web1" if i % 2 else "web2") for i in range(10)] + [hit(11, ok=False)]
    result = sl.distribution(hits)
    assert result["per_server"] == {"web1": 5, "web2": 5}
    assert result["share"] == {"web1": 0.5, "web2": 0.5}
    assert (result["requests"], result["failed"]) == (11, 1)
    assert sl.distribution([])["share"] == {}


@pytest.mark.parametrize("case, hits, start, end, gap_ms, failed, servers", [
    ("steady answers: the gap is the spacing",
     [hit(t / 10) for t in range(10)], 0.0, 1.0, 100.0, 0, {"web1": 10}),
    ("a hole in the answers is the gap, failed requests in it counted",
     [hit(0.0), hit(0.1), hit(0.2, done=2.0, ok=False), hit(2.1), hit(2.2)], 0.0, 2.3, 2000.0, 1,
     {"web1": 4}),
    ("a slow good answer does not end the gap before it arrives",
     [hit(0.0), hit(0.1, done=1.5), hit(1.6)], 0.0, 1.7, 1490.0, 0, {"web1": 3}),
    ("no answer at all: the whole window",
     [hit(0.5, ok=False)], 0.0, 3.0, 3000.0, 1, {}),
    ("requests sent outside the window do not count",
     [hit(-1.0, ok=False), hit(0.0), hit(0.5), hit(1.0), hit(5.0, ok=False)], 0.0, 1.0, 500.0, 0,
     {"web1": 2}),
])
def test_window(case, hits, start, end, gap_ms, failed, servers):
    result = sl.window(hits, start, end)
    assert result["longest_gap_ms"] == pytest.approx(gap_ms, abs=11), case
    assert result["failed"] == failed, case
    assert result["servers"] == servers, case


def test_window_counts_reads_writes_and_errors():
    hits = [hit(0.0, read_by="db1", write_by="db3", database="ok"),
            hit(0.1, server="web2", read_by="db2", write_by="db3", database="ok"),
            sl.Hit(0.2, 0.3, False, 503, error="HTTP 503"), sl.Hit(0.3, 5.3, False, error="TimeoutError")]
    result = sl.window(hits, 0.0, 1.0)
    assert result["reads"] == {"db1": 1, "db2": 1}
    assert result["writes"] == {"db3": 2}
    assert result["errors"] == {"HTTP 503": 1, "TimeoutError": 1}
    assert result["database"] == "ok"


@pytest.mark.parametrize("fault_failed, recovery_failed, answered, expected", [
    (0, 0, True, True),
    (1, 0, True, False),
    (0, 2, True, False),
    (0, 0, False, False),
])
def test_kept_working(fault_failed, recovery_failed, answered, expected):
    fault = {"requests": 10, "failed": fault_failed}
    recovery = {"requests": 10, "failed": recovery_failed}
    assert sl.kept_working(fault, recovery, answered) is expected


def test_kept_working_needs_requests_in_both_phases():
    assert sl.kept_working({"requests": 0, "failed": 0}, {"requests": 5, "failed": 0}, True) is False


def test_delay_summary():
    assert sl.delay_summary([]) == {"n": 0}
    result = sl.delay_summary([float(v) for v in range(1, 21)])
    assert (result["min"], result["median"], result["p95"], result["max"]) == (1.0, 10.5, 19.0, 20.0)


def test_as_dicts_are_relative_to_the_fault():
    item = sl.as_dicts([hit(10.0, done=10.25)], 10.0)[0]
    assert (item["sent"], item["done"], item["server"]) == (0.0, 0.25, "web1")


PLAYBOOK_OUTPUT = """
PLAY [Balancers] ***************************************************************

TASK [hastack.web.common : Apply kernel settings] ******************************
ok: [lb2] => (item=net.core.somaxconn=4096)
changed: [lb1] => (item=net.ipv4.ip_nonlocal_bind=1)
changed: [lb1] => (item=net.core.somaxconn=4096)

TASK [hastack.web.haproxy : Write haproxy.cfg] *********************************
ok: [lb1]
changed: [lb2]

RUNNING HANDLER [hastack.web.haproxy : Reload haproxy] *************************
changed: [lb2]

TASK [hastack.web.common : Write /etc/hosts [cluster]] *************************
changed: [db1]

PLAY RECAP *********************************************************************
lb1                        : ok=2    changed=1    unreachable=0    failed=0
"""


def test_changed_tasks_names_each_task_once_per_host_with_handlers():
    assert sl.changed_tasks(PLAYBOOK_OUTPUT) == {
        "db1": ["hastack.web.common : Write /etc/hosts [cluster]"],
        "lb1": ["hastack.web.common : Apply kernel settings"],
        "lb2": ["hastack.web.haproxy : Write haproxy.cfg", "hastack.web.haproxy : Reload haproxy"],
    }


def test_changed_tasks_of_an_idempotent_run_is_empty():
    assert sl.changed_tasks("TASK [x : y] ***\nok: [lb1]\nskipping: [lb2]\n") == {}


def trial(server="web1", kind="web", mode="kill", fault_failed=0, recovery_failed=0, lost=0, answered=True,
          vip=(["lb1"], ["lb1"], ["lb1"]), transitions=()):
    phase = {"requests": 800, "failed": 0}
    return {"server": server, "kind": kind, "mode": mode,
            "fault": dict(phase, failed=fault_failed, requests=800 if answered else fault_failed),
            "recovery": dict(phase, failed=recovery_failed),
            "vip": dict(zip(("before", "during", "after"), vip), transitions=list(transitions)), "db": {"lost": lost}}


FLAP = ["lb2 1733504400.101: INSTANCE public is now MASTER (priority 150)",
        "lb2 1733504400.139: INSTANCE public is now BACKUP (priority 150)"]


LB1_CUT = {"server": "lb1", "kind": "balancer", "vip": (["lb1"], ["lb2"], ["lb2"])}


@pytest.mark.parametrize("table5, broken", [
    ([trial()], []),
    ([trial(server="db2", kind="database", mode="stop")], []),
    ([trial(**LB1_CUT, fault_failed=4)], []),                      # one open request per client
    ([trial(**LB1_CUT, mode="stop")], []),
    ([trial(fault_failed=1)], ["web1 kill: 1 requests failed during the fault (at most 0: none may fail)"]),
    ([trial(**LB1_CUT, fault_failed=5)],
     ["lb1 kill: 5 requests failed during the fault (at most 4: one per client open at the power cut)"]),
    ([trial(**LB1_CUT, mode="stop", fault_failed=1)],
     ["lb1 stop: 1 requests failed during the fault (at most 0: none may fail)"]),
    ([trial(server="db3", kind="database", lost=2)], ["db3 kill: 2 acknowledged rows lost"]),
    ([trial(**LB1_CUT, recovery_failed=3)], ["lb1 kill: 3 requests failed when it came back (a second outage)"]),
    ([trial(answered=False)], ["web1 kill: no request answered during the fault"]),
    ([trial(server="lb1", kind="balancer", vip=(["lb1"], ["lb1"], ["lb1"]))],
     ["lb1 kill: the VIP stayed on the failed balancer"]),
    # a balancer trial must fail the VIP holder: failing the other one proves nothing
    ([trial(server="lb1", kind="balancer", vip=(["lb2"], ["lb2"], ["lb2"]))],
     ["lb1 kill: the VIP was on ['lb2'], not on lb1, when it failed: the trial tested nothing"]),
    ([trial(server="lb2", kind="balancer", mode="stop", vip=([], ["lb1"], ["lb1"]))],
     ["lb2 stop: the VIP was on none, not on lb2, when it failed: the trial tested nothing"]),
    ([trial(vip=(["lb1"], ["lb1", "lb2"], ["lb1"]))],
     ["web1 kill: the VIP was on ['lb1', 'lb2'] during the fault and on ['lb1'] after it, not on one balancer"]),
    ([trial(vip=(["lb1"], [], ["lb1"]))],
     ["web1 kill: the VIP was on none during the fault and on ['lb1'] after it, not on one balancer"]),
    # a backup that took the VIP for 38 ms between two samples: only the journal shows it
    ([trial(server="db3", kind="database", transitions=FLAP)],
     ["db3 kill: 2 VRRP transitions while no balancer failed (false failovers): " + "; ".join(FLAP)]),
    ([trial(**LB1_CUT, transitions=FLAP)], []),                   # a balancer's own trial moves the VIP
])
def test_broken_promises_of_the_fault_trials(table5, broken):
    assert sl.broken_promises({"table5": table5}, workers=4) == broken


SPREAD = {"without_cookie": {"failed": 0, "per_server": {"web1": 514, "web2": 486}},
          "with_cookie": {"failed": 0, "per_server": {"web2": 1000}}, "stuck_share": 1.0}
REPLICATION = {"rows_per_node": 20, "visible": {"db1->db2": 20, "db2->db1": 20}}
CONVERGE = {"rc": 0, "changed": {"db1": 0, "web1": 0}, "failed": {"db1": 0, "web1": 0}, "changed_tasks": {}}


@pytest.mark.parametrize("part, value, broken", [
    ("distribution", SPREAD, []),
    ("distribution", dict(SPREAD, stuck_share=0.98),
     ["distribution: 98.0 % of the requests with a cookie stuck to its server"]),
    ("distribution", dict(SPREAD, without_cookie={"failed": 2, "per_server": {"web1": 998}}),
     ["distribution: 2 and 0 requests failed", "distribution: without a cookie only ['web1'] answered"]),
    ("replication_table", {"complete": True, "seen": {}}, []),
    ("replication_table", {"complete": False, "seen": {"db1": []}},
     ["replication: a database created on one node was missing on another: {'db1': []}"]),
    ("replication", REPLICATION, []),
    ("replication", dict(REPLICATION, visible={"db1->db2": 20, "db2->db1": 19}),
     ["replication: of 20 rows, only {'db2->db1': 19} became visible"]),
    ("converge", CONVERGE, []),
    ("converge", dict(CONVERGE, changed={"db1": 0, "web1": 1}, changed_tasks={"web1": ["Write x"]}),
     ["converge: not idempotent, changed {'web1': 1}: {'web1': ['Write x']}"]),
    ("converge", dict(CONVERGE, rc=2, failed={"db1": 1, "web1": 0}),
     ["converge: ansible-playbook site.yml exited 2, failed on ['db1']"]),
    ("converge", dict(CONVERGE, rc=4, changed={}, failed={}),                # no recap at all: unreachable
     ["converge: ansible-playbook site.yml exited 4, failed on no host"]),
    ("galera_threads", {"db1": {"asked": 2, "logged": "rr:2"}, "db2": {"asked": 0, "logged": "other:0"}}, []),
    ("galera_threads", {"db1": {"asked": 2, "logged": "other:0"}},
     ["db1: Galera's group-communication thread runs at other:0, not rr:2 (galera_realtime_priority 2)"]),
    ("galera_threads", {"db3": {"asked": 0, "logged": "rr:5"}},
     ["db3: Galera's group-communication thread runs at rr:5, not other:0 (galera_realtime_priority 0)"]),
    ("galera_threads", {"db2": {"asked": 2, "logged": "?"}},                   # Galera never said
     ["db2: Galera's group-communication thread runs at ?, not rr:2 (galera_realtime_priority 2)"]),
])
def test_broken_promises_of_the_other_parts(part, value, broken):
    assert sl.broken_promises({part: value}, workers=4) == broken


def committed_run(name):
    """A committed run's results. They predate the trials' "kind" field, which is
    derived here from the lab's naming."""
    data = json.loads((ROOT / "docs" / "results" / "2026-11-30" / name /
                       "results.json").read_text())
    for t in data["table5"]:
        t["kind"] = {"lb": "balancer", "we": "web", "db": "database"}[t["server"][:2]]
    return data


def test_the_run_after_the_fixes_kept_every_promise():
    assert sl.broken_promises(committed_run("site-after-fixes"), workers=sl.WORKERS) == []


def test_the_run_before_the_fixes_broke_them():
    """The first run's false VRRP takeovers and Apache/PHP-FPM stops (see its report)."""
    broken = sl.broken_promises(committed_run("site"), workers=sl.WORKERS)
    assert any(b.startswith("web1 stop: ") and "failed during the fault" in b for b in broken)
    assert any("a second outage" in b for b in broken)


def test_stop_ends_the_stream_at_once():
    """stop() used to move a deadline the workers had copied: they ran on for max_seconds,
    with 4 more clients loading the lab after every trial. Against a server on loopback."""
    import http.server
    import threading
    import time

    class Quiet(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"server": "web1"}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        stream = sl.Stream("127.0.0.1", port=server.server_address[1], max_seconds=30).start()
        time.sleep(0.3)
        asked = time.monotonic()
        hits = stream.stop()
        took = time.monotonic() - asked
        count = len(stream.hits)
        time.sleep(0.3)
        assert hits and all(h.ok and h.server == "web1" for h in hits)
        assert took < 2.0, "stop() waited %.1f s for the workers" % took
        assert len(stream.hits) == count, "the workers went on after stop()"
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- browser and throughput

DEMO_TEXT = ("Served by web2\n\nRequests in this session\t3\nSession kept in\tfiles\n"
             "Your address (as the web server sees it)\t10.0.0.14\nProtocol at the balancer\thttps\n"
             "Database\tok\n\nReload the page: with sticky sessions the server stays the same and the counter grows.")


@pytest.mark.parametrize("text, expected", [
    (DEMO_TEXT, {"server": "web2", "count": 3, "via": "https"}),
    ("Served by web1\n\nRequests in this session 12\nProtocol at the balancer\thttp",
     {"server": "web1", "count": 12, "via": "http"}),
    ("503 Service Unavailable\nNo server is available to handle this request.",
     {"server": None, "count": None, "via": None}),
    ("", {"server": None, "count": None, "via": None}),
])
def test_demo_page(text, expected):
    assert sl.demo_page(text) == expected


def page(server="web1", count=1, via="http"):
    return {"server": server, "count": count, "via": via}


WEBS = ["web1", "web2"]


@pytest.mark.parametrize("case, scheme, check, broken", [
    ("kept", "http", {"loads": [page(count=1), page(count=2), page(count=3)]}, []),
    ("kept over https", "https", {"loads": [page("web2", 1, "https"), page("web2", 2, "https")]}, []),
    ("chromium failed", "https", {"error": "loading https://x/: net::ERR_CONNECTION_REFUSED", "loads": []},
     ["browser https: loading https://x/: net::ERR_CONNECTION_REFUSED"]),
    ("an error page", "http", {"loads": [page(None, None, None), page(count=2)]},
     ["browser http: the page named [None] as the server, not one of ['web1', 'web2']",
      "browser http: the balancer saw [None, 'http']",
      "browser http: one session went to [None, 'web1'] (the cookie did not stick)",
      "browser http: the session's counter read [None, 2] over 2 loads, not one higher each time"]),
    ("cookie lost", "http", {"loads": [page("web1", 1), page("web2", 1)]},
     ["browser http: one session went to ['web1', 'web2'] (the cookie did not stick)",
      "browser http: the session's counter read [1, 1] over 2 loads, not one higher each time"]),
    ("session lost on the same server", "http", {"loads": [page(count=1), page(count=2), page(count=1)]},
     ["browser http: the session's counter read [1, 2, 1] over 3 loads, not one higher each time"]),
    ("one load proves nothing", "http", {"loads": [page(count=1)]},
     ["browser http: the session's counter read [1] over 1 loads, not one higher each time"]),
    ("https terminated as http", "https", {"loads": [page(count=1), page(count=2)]},
     ["browser https: the balancer saw ['http', 'http']"]),
    ("a stranger answered", "http", {"loads": [page("lb1", 1), page("lb1", 2)]},
     ["browser http: the page named ['lb1', 'lb1'] as the server, not one of ['web1', 'web2']"]),
])
def test_browser_broken(case, scheme, check, broken):
    assert sl.browser_broken(scheme, check, WEBS) == broken, case


WRK_OUTPUT = """Running 8s test @ http://10.0.0.10/shared/hastack-bench.html
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.02ms    1.10ms  30.11ms   90.00%%
    Req/Sec     5.31k   400.12     6.01k    70.00%%
  84523 requests in 8.00s, 131.20MB read
%sRequests/sec:  10565.37
Transfer/sec:     16.40MB
"""


@pytest.mark.parametrize("extra, expected", [
    ("", {"rps": 10565.37, "requests": 84523, "non_2xx": 0, "socket_errors": 0}),
    ("  Socket errors: connect 0, read 3, write 0, timeout 2\n  Non-2xx or 3xx responses: 17\n",
     {"rps": 10565.37, "requests": 84523, "non_2xx": 17, "socket_errors": 5}),
])
def test_wrk_result(extra, expected):
    assert sl.wrk_result(WRK_OUTPUT % extra) == expected


def test_wrk_result_refuses_what_is_not_a_summary():
    with pytest.raises(ValueError, match="not wrk's summary"):
        sl.wrk_result("unable to connect to 10.0.0.10:80 Connection refused\n")


def rate(rps, non_2xx=0, socket_errors=0):
    return {"rps": rps, "requests": int(rps * 8), "non_2xx": non_2xx, "socket_errors": socket_errors}


@pytest.mark.parametrize("runs, expected", [
    ({"vip": [rate(900), rate(1000), rate(950)], "direct": [rate(1000), rate(990), rate(1010)]},
     {"median_rps": {"vip": 950.0, "direct": 1000.0}, "ratio": 0.95}),
    ({"vip": [rate(1200)], "direct": [rate(1000)]},            # two servers behind the VIP can beat one
     {"median_rps": {"vip": 1200.0, "direct": 1000.0}, "ratio": 1.2}),
    ({"vip": [rate(500)], "direct": [rate(0)]}, {"median_rps": {"vip": 500.0, "direct": 0.0}, "ratio": None}),
])
def test_throughput_ratio(runs, expected):
    assert sl.throughput_ratio(runs) == expected


BROWSER = {"web_servers": WEBS, "http": {"loads": [page(count=1), page(count=2)]},
           "https": {"loads": [page("web2", 1, "https"), page("web2", 2, "https")]}}


@pytest.mark.parametrize("part, value, broken", [
    ("browser", BROWSER, []),
    ("browser", dict(BROWSER, https={"error": "Chromium did not answer within 30 s", "loads": []}),
     ["browser https: Chromium did not answer within 30 s"]),
    ("throughput", {"runs": {"vip": [rate(900)], "direct": [rate(2000)]}}, []),   # slow is a number, not a break
    ("throughput", {"runs": {"vip": [rate(900, non_2xx=3), rate(900, socket_errors=2)], "direct": [rate(2000)]}},
     ["throughput: 5 requests through the VIP failed or were not answered 2xx"]),
    ("throughput", {"runs": {"vip": [rate(900)], "direct": [rate(2000, socket_errors=4)]}}, []),  # not the VIP
])
def test_broken_promises_of_the_users_view(part, value, broken):
    assert sl.broken_promises({part: value}, workers=4) == broken


ORDER = ["db3", "db2", "db1"]


def routed(server="db3", kind="database", before=None, fault=None, after=None):
    """A trial with what the demo page reported: ({reads}, {writes}) per phase."""
    def phase(split):
        reads, writes = split
        return {"reads": dict.fromkeys(reads, 10), "writes": dict.fromkeys(writes, 10)}
    trial = {"server": server, "kind": kind, "mode": "kill",
             "before": phase(before or (["db1", "db2"], ["db3"])), "fault": phase(fault or (["db1"], ["db2"]))}
    if after is not None:
        trial["after"] = phase(after)
    return trial


@pytest.mark.parametrize("case, trial, order, problems", [
    ("the writer's cut moves writes to the next node, and its return brings them back",
     routed(after=(["db1", "db2"], ["db3"])), ORDER, []),
    ("no ProxySQL: the demo reported no nodes", dict(routed(), before={"reads": {}, "writes": {}}), ORDER, []),
    ("no writer order recorded (runs before ProxySQL)", routed(fault=(["db1"], ["db1"])), [], []),
    ("a committed run without the after phase", routed(), ORDER, []),
    ("writes stayed on db2 after db3 came back",
     routed(after=(["db1"], ["db2"])), ORDER, ["db3 kill: writes after went to ['db2'], not only to db3"]),
    ("writes went to db1, not to the next writer in the order",
     routed(fault=(["db2"], ["db1"])), ORDER,
     ["db3 kill: writes during the fault went to ['db1'], not only to db2",
      "db3 kill: reads during the fault went to ['db2'], outside the readers ['db1']"]),
    ("a reader's cut leaves the writer alone and reads on the other reader",
     routed("db2", fault=(["db1"], ["db3"])), ORDER, []),
    ("a read served by the writer while a reader is down",
     routed("db2", fault=(["db1", "db3"], ["db3"])), ORDER,
     ["db2 kill: reads during the fault went to ['db3'], outside the readers ['db1']"]),
    ("a web server's cut changes nothing in the split",
     routed("web1", "web", fault=(["db1", "db2"], ["db3"])), ORDER, []),
    ("writes split over two nodes before any fault",
     routed("web1", "web", before=(["db1", "db2"], ["db3", "db2"]), fault=(["db1", "db2"], ["db3"])), ORDER,
     ["web1 kill: writes before went to ['db2', 'db3'], not only to db3"]),
])
def test_routing_problems(case, trial, order, problems):
    assert sl.routing_problems(trial, order) == problems, case


def test_routing_judges_the_requests_sent_once_the_server_was_down():
    # sent between the fault's start and the kill taking effect, db3 still wrote
    trial = routed(fault=(["db1"], ["db2", "db3"]))
    trial["down"] = {"reads": {"db1": 10}, "writes": {"db2": 10}}
    assert sl.routing_problems(trial, ORDER) == []
    trial["down"]["writes"]["db3"] = 1
    assert sl.routing_problems(trial, ORDER) == ["db3 kill: writes during the fault went to ['db2', 'db3'], "
                                                 "not only to db2"]


def test_broken_promises_checks_the_routing_with_the_runs_writer_order():
    trial = dict(routed(fault=(["db1"], ["db1"])), vip={"before": ["lb1"], "during": ["lb1"], "after": ["lb1"]},
                 db={"lost": 0}, recovery={"failed": 0, "requests": 5})
    trial["fault"].update(requests=10, failed=0)
    assert sl.broken_promises({"table5": [trial], "writer_order": ORDER}, workers=4) == [
        "db3 kill: writes during the fault went to ['db1'], not only to db2"]


def test_trial_line_gives_the_fault_and_the_recovery_side_by_side():
    result = {"kept_working": True, "fault": {"longest_gap_ms": 812.0, "failed": 0},
              "recovery": {"longest_gap_ms": 95.5, "failed": 1}}
    assert sl.trial_line(result) == "kept working: True; gap 812.0 / 95.5 ms; failed 0 / 1"


RECAP = """PLAY RECAP *********************************************************************
db1                        : ok=120  changed=0    unreachable=0    failed=0    skipped=40   rescued=0    ignored=0
lb1                        : ok=80   changed=2    unreachable=0    failed=1    skipped=12   rescued=0    ignored=0
"""


def test_the_converges_recap_counts_changed_and_failed_tasks_per_host():
    from hastack_lab.measure.converge import recap
    assert recap(RECAP) == {"changed": {"db1": 0, "lb1": 2}, "failed": {"db1": 0, "lb1": 1},
                            "ok": {"db1": 120, "lb1": 80}}
    assert recap("ERROR! the playbook could not be found") == {"changed": {}, "failed": {}, "ok": {}}


PROFILED = """PLAY [Preflight - every host] **************************************************

TASK [Gathering Facts] *********************************************************
Sunday 06 December 2026  19:55:10 +0000 (0:00:00.032)       0:00:00.032 *******
ok: [db1]

TASK [hastack.web.common : Check the role's variables] *************************
Sunday 06 December 2026  19:55:12 +0000 (0:00:02.100)       0:00:02.132 *******
ok: [db1]

TASK [hastack.web.galera : Write the Galera configuration] *********************
Sunday 06 December 2026  19:55:13 +0000 (0:00:01.000)       0:00:03.132 *******
ok: [db1]

RUNNING HANDLER [hastack.web.galera : Apply the Galera firewall] ***************
Sunday 06 December 2026  19:55:16 +0000 (0:00:03.000)       0:00:06.132 *******
ok: [db1]

TASK [hastack.web.common : Write chrony.conf] **********************************
Sunday 06 December 2026  19:55:17 +0000 (0:00:00.500)       0:00:06.632 *******
ok: [db1]

PLAY RECAP *********************************************************************
db1                        : ok=5    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0

TASKS RECAP ********************************************************************
Sunday 06 December 2026  19:56:18 +0000 (0:00:01.000)       0:01:07.632 *******
"""


def test_role_seconds_add_up_each_roles_tasks_from_profile_tasks_stamps():
    from hastack_lab.measure.converge import role_seconds
    assert role_seconds(PROFILED) == {"common": 62.0, "galera": 3.5, "playbook": 2.1}
    assert list(role_seconds(PROFILED)) == ["common", "galera", "playbook"]
    assert role_seconds("ERROR! no profile") == {}


def test_transition_lines_keep_the_state_changes_from_the_trials_start():
    from hastack_lab.labenv import transition_lines
    journal = ("1733504399.900 lb2 keepalived-notify[1]: INSTANCE public is now BACKUP (priority 150)\n"
               "-- Boot 1f2e --\n"
               "1733504400.101 lb2 keepalived-notify[2]: INSTANCE public is now MASTER (priority 150)\n"
               "1733504400.120 lb2 keepalived-notify[3]: starting\n")
    assert transition_lines("lb2", journal, 1733504400.0) == [
        "lb2 1733504400.101: INSTANCE public is now MASTER (priority 150)"]
