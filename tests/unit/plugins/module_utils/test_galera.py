import pytest

from ansible_collections.hastack.web.plugins.module_utils import galera

MEMBERS = ["db1", "db2", "db3"]
U1 = "6c1d4f2a-1111-11ef-8000-0242ac164d15"
U2 = "9e0a7b3c-2222-11ef-8000-0242ac164d16"


def stopped(seqno=-1, safe=False, uuid=U1, recovered=None):
    state = {"reachable": True, "running": False, "uuid": uuid, "seqno": seqno, "safe_to_bootstrap": safe}
    if recovered is not None:
        state["recovered_uuid"], state["recovered_seqno"] = uuid, recovered
    return state


def fresh():
    return {"reachable": True, "running": False, "uuid": None, "seqno": -1, "safe_to_bootstrap": False}


def primary(size=3, uuid=U1, committed=100):
    return {"reachable": True, "running": True, "cluster_status": "Primary", "local_state": "Synced",
            "cluster_size": size, "cluster_state_uuid": uuid, "uuid": uuid, "seqno": -1,
            "last_committed": committed}


def non_primary():
    return {"reachable": True, "running": True, "cluster_status": "non-Primary", "local_state": "Initialized",
            "cluster_size": 1, "uuid": U1, "seqno": -1}


UNREACHABLE = {"reachable": False}

# (case, states, options, expected action, bootstrap node, join order, words in the reason)
CASES = [
    ("fresh install bootstraps the first member",
     {"db1": fresh(), "db2": fresh(), "db3": fresh()}, {},
     "bootstrap", "db1", ["db2", "db3"], ["fresh install"]),
    ("fresh install bootstraps the configured node",
     {"db1": fresh(), "db2": fresh(), "db3": fresh()}, {"bootstrap_node": "db3"},
     "bootstrap", "db3", ["db1", "db2"], ["fresh install"]),
    ("all running in one primary component: nothing to do",
     {"db1": primary(), "db2": primary(), "db3": primary()}, {},
     "none", None, [], ["every reachable member"]),
    ("primary running: the stopped nodes join one at a time, nobody bootstraps",
     {"db1": stopped(seqno=40, safe=True), "db2": primary(1), "db3": fresh()}, {},
     "join", None, ["db1", "db3"], ["primary component runs on db2"]),
    ("primary running: force is ignored",
     {"db1": stopped(seqno=90), "db2": primary(2), "db3": primary(2)}, {"force": "db1"},
     "join", None, ["db1"], ["ignored"]),
    ("primary running: an unreachable node is left alone",
     {"db1": primary(2), "db2": primary(2), "db3": UNREACHABLE}, {},
     "none", None, [], ["unreachable, left alone: db3"]),
    ("primary running: a node of the same history that is not ahead joins",
     {"db1": primary(2, committed=50), "db2": primary(2, committed=50), "db3": stopped(recovered=50)}, {},
     "join", None, ["db3"], ["the others join"]),
    ("primary running: a node with an unknown position joins (Galera compares on joining)",
     {"db1": primary(2), "db2": primary(2), "db3": stopped()}, {},
     "join", None, ["db3"], ["the others join"]),
    # After a power loss, a node that was last alone in the primary component restores
    # that component by itself from gvwstate.dat; if an interrupted SST had emptied it,
    # that is a new, empty history.
    ("primary of another history: refuse, the joiners would be overwritten by SST",
     {"db1": stopped(seqno=8545), "db2": stopped(seqno=8545), "db3": primary(1, uuid=U2, committed=2)}, {},
     "refuse", None, [], ["db1 holds cluster history", "primary component on db3", "SST", "grastate.dat"]),
    ("primary behind a stopped node of the same history: refuse",
     {"db1": stopped(recovered=120), "db2": primary(2, committed=117), "db3": primary(2, committed=117)}, {},
     "refuse", None, [], ["db1 has committed seqno 120", "only 117", "newer transactions"]),
    ("primary behind: force does not override it",
     {"db1": stopped(recovered=120), "db2": primary(2, committed=117), "db3": primary(2, committed=117)},
     {"force": "db1"},
     "refuse", None, [], ["only 117"]),
    ("orderly shutdown: the safe_to_bootstrap node",
     {"db1": stopped(seqno=41), "db2": stopped(seqno=42, safe=True), "db3": stopped(seqno=40)}, {},
     "bootstrap", "db2", ["db1", "db3"], ["orderly shutdown", "seqno 42"]),
    ("crash: the highest recovered seqno",
     {"db1": stopped(recovered=117), "db2": stopped(recovered=120), "db3": stopped(recovered=118)}, {},
     "bootstrap", "db2", ["db1", "db3"], ["crash recovery", "(120)"]),
    ("crash: a grastate seqno counts like a recovered one",
     {"db1": stopped(seqno=130), "db2": stopped(recovered=120), "db3": stopped(recovered=118)}, {},
     "bootstrap", "db1", ["db2", "db3"], ["highest committed seqno (130)"]),
    ("crash: a tie goes to the configured bootstrap node",
     {"db1": stopped(recovered=120), "db2": stopped(recovered=120), "db3": stopped(recovered=120)},
     {"bootstrap_node": "db3"},
     "bootstrap", "db3", ["db1", "db2"], ["tie with db1, db2"]),
    ("crash: a tie without preference goes to inventory order",
     {"db1": stopped(recovered=7), "db2": stopped(recovered=120), "db3": stopped(recovered=120)}, {},
     "bootstrap", "db2", ["db1", "db3"], ["tie with db3"]),
    ("crash: a tie goes to the node marked safe first",
     {"db1": stopped(seqno=120), "db2": stopped(seqno=120), "db3": stopped(seqno=120, safe=True)},
     {"bootstrap_node": "db1"},
     "bootstrap", "db3", ["db1", "db2"], ["orderly shutdown"]),
    ("crash with a fresh node: it joins by SST after the bootstrap",
     {"db1": fresh(), "db2": stopped(recovered=5), "db3": stopped(recovered=9)}, {},
     "bootstrap", "db3", ["db1", "db2"], ["crash recovery"]),
    ("mismatched cluster UUIDs: refuse",
     {"db1": stopped(seqno=5), "db2": stopped(seqno=9, uuid=U2), "db3": stopped(seqno=9)}, {},
     "refuse", None, [], ["different clusters", galera.FORCE_VARIABLE]),
    ("an unreachable node while the others are down: refuse",
     {"db1": stopped(recovered=10), "db2": stopped(recovered=12), "db3": UNREACHABLE}, {},
     "refuse", None, [], ["db3 cannot be reached", "might hold", galera.FORCE_VARIABLE]),
    ("an unreachable node, forced: bootstrap the forced node",
     {"db1": stopped(recovered=10), "db2": stopped(recovered=12), "db3": UNREACHABLE}, {"force": "db1"},
     "bootstrap", "db1", ["db2"], ["forced", "cannot be reached"]),
    ("non-primary survivors: refuse",
     {"db1": non_primary(), "db2": non_primary(), "db3": stopped(recovered=3)}, {},
     "refuse", None, [], ["non-primary", galera.FORCE_VARIABLE]),
    ("non-primary survivors, forced: promote the running node in place",
     {"db1": non_primary(), "db2": non_primary(), "db3": stopped(recovered=3)}, {"force": "db2"},
     "bootstrap", "db2", ["db1", "db3"], ["forced"]),
    ("an unknown position: refuse",
     {"db1": stopped(), "db2": stopped(recovered=12), "db3": stopped(recovered=12)}, {},
     "refuse", None, [], ["position of db1 is unknown", galera.FORCE_VARIABLE]),
    ("safe_to_bootstrap on a node that is behind: refuse",
     {"db1": stopped(seqno=10, safe=True), "db2": stopped(seqno=12), "db3": stopped(seqno=11)}, {},
     "refuse", None, [], ["lower seqno", galera.FORCE_VARIABLE]),
    ("force naming a stranger: refuse",
     {"db1": fresh(), "db2": fresh(), "db3": fresh()}, {"force": "db9"},
     "refuse", None, [], ["not a member"]),
    ("force naming an unreachable node: refuse",
     {"db1": stopped(seqno=1), "db2": stopped(seqno=1), "db3": UNREACHABLE}, {"force": "db3"},
     "refuse", None, [], ["unreachable"]),
    ("two primary components: refuse even when forced",
     {"db1": primary(1), "db2": primary(1, uuid=U2), "db3": stopped(seqno=1)}, {"force": "db3"},
     "refuse", None, [], ["split brain"]),
    ("a missing state counts as unreachable",
     {"db1": stopped(seqno=3), "db2": stopped(seqno=3)}, {},
     "refuse", None, [], ["db3 cannot be reached"]),
]


@pytest.mark.parametrize("case, states, options, action, node, join, words", CASES, ids=[c[0] for c in CASES])
def test_plan(case, states, options, action, node, join, words):
    result = galera.plan(states, MEMBERS, **options)
    assert result["action"] == action, result["reason"]
    assert result["bootstrap"] == node
    assert result["join"] == join
    for word in words:
        assert word in result["reason"], (word, result["reason"])


@pytest.mark.parametrize("states, mark_safe, method", [
    ({"db1": stopped(recovered=3), "db2": stopped(recovered=2), "db3": stopped(recovered=1)}, True, "new_cluster"),
    ({"db1": stopped(seqno=3, safe=True), "db2": stopped(seqno=2), "db3": stopped(seqno=1)}, False, "new_cluster"),
    ({"db1": fresh(), "db2": fresh(), "db3": fresh()}, False, "new_cluster"),
    ({"db1": non_primary(), "db2": non_primary(), "db3": fresh()}, False, "pc_bootstrap"),
])
def test_a_crashed_bootstrap_node_is_marked_safe_first(states, mark_safe, method):
    result = galera.plan(states, MEMBERS, force="db1" if method == "pc_bootstrap" else None)
    assert result["bootstrap"] == "db1"
    assert result["mark_safe"] is mark_safe
    assert result["bootstrap_method"] == method


@pytest.mark.parametrize("states, unreachable", [
    ({"db1": stopped(seqno=3), "db2": stopped(seqno=3)}, ["db3"]),
    ({"db1": primary(2), "db2": primary(2), "db3": UNREACHABLE}, ["db3"]),
    ({"db1": stopped(seqno=3), "db2": stopped(seqno=3), "db3": stopped(seqno=3)}, []),
])
def test_the_plan_names_the_unreachable_members(states, unreachable):
    # the recovery stops nodes that wait for a primary only when nobody is missing
    assert galera.plan(states, MEMBERS)["unreachable"] == unreachable


def test_the_plan_reports_every_position():
    result = galera.plan({"db1": stopped(recovered=3), "db2": stopped(seqno=5), "db3": stopped()}, MEMBERS,
                         force="db2")
    assert result["positions"] == {"db1": 3, "db2": 5, "db3": None}


@pytest.mark.parametrize("members, arbitrators, bootstrap, words", [
    (MEMBERS, [], None, []),
    (MEMBERS[:1], [], None, []),
    (MEMBERS[:2], [], None, ["even count", "galera_arbitrator_host"]),
    (MEMBERS[:2], ["lb1"], None, []),
    (MEMBERS, ["lb1"], None, ["4 voting members"]),
    ([], [], None, ["empty"]),
    (MEMBERS, [], "db7", ["galera_bootstrap_node is db7"]),
    (["db1", "db1", "db2"], [], None, ["listed twice"]),
])
def test_member_problems(members, arbitrators, bootstrap, words):
    problems = galera.member_problems(members, arbitrators, bootstrap)
    if not words:
        assert problems == []
    for word in words:
        assert any(word in p for p in problems), (word, problems)


@pytest.mark.parametrize("text, expected", [
    ("# GALERA saved state\nversion: 2.1\nuuid:    %s\nseqno:   42\nsafe_to_bootstrap: 1\n" % U1,
     {"uuid": U1, "seqno": 42, "safe_to_bootstrap": True}),
    ("# GALERA saved state\nversion: 2.1\nuuid:    %s\nseqno:   -1\nsafe_to_bootstrap: 0\n" % U1,
     {"uuid": U1, "seqno": -1, "safe_to_bootstrap": False}),
    ("version: 2.1\nuuid: %s\nseqno: garbage\n" % galera.ZERO_UUID,
     {"uuid": galera.ZERO_UUID, "seqno": -1, "safe_to_bootstrap": False}),
    ("", None),
    (None, None),
])
def test_parse_grastate(text, expected):
    assert galera.parse_grastate(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("2026-11-25  2:10:01 0 [Note] WSREP: Recovered position: %s:1234\n" % U1, (U1, 1234)),
    ("[Note] WSREP: Recovered position: %s:1234,0-1-1234\n" % U1, (U1, 1234)),
    ("[Note] WSREP: Recovered position %s:-1\n" % galera.ZERO_UUID, (galera.ZERO_UUID, -1)),
    ("first: Recovered position: %s:1\nthen: Recovered position: %s:2\n" % (U1, U1), (U1, 2)),
    ("[ERROR] InnoDB: something else\n", None),
])
def test_parse_recovered_position(text, expected):
    assert galera.parse_recovered_position(text) == expected


def test_parse_status_lowercases_names():
    status = galera.parse_status("wsrep_cluster_status\tPrimary\nWSREP_CLUSTER_SIZE\t3\nnoise\n")
    assert status == {"wsrep_cluster_status": "Primary", "wsrep_cluster_size": "3"}


@pytest.mark.parametrize("status, healthy, word", [
    ({"wsrep_cluster_status": "Primary", "wsrep_local_state_comment": "Synced", "wsrep_ready": "ON",
      "wsrep_cluster_size": "3"}, True, "Synced"),
    ({"wsrep_cluster_status": "Primary", "wsrep_local_state_comment": "Donor/Desynced", "wsrep_ready": "ON",
      "wsrep_cluster_size": "3"}, False, "Donor"),
    ({"wsrep_cluster_status": "non-Primary", "wsrep_local_state_comment": "Initialized", "wsrep_ready": "OFF",
      "wsrep_cluster_size": "1"}, False, "non-primary"),
    ({"wsrep_cluster_status": "Primary", "wsrep_local_state_comment": "Joined", "wsrep_ready": "OFF",
      "wsrep_cluster_size": "3"}, False, "not ready"),
    ({}, False, "not running"),
])
def test_health(status, healthy, word):
    ok, text = galera.health(status)
    assert ok is healthy
    assert word in text


@pytest.mark.parametrize("suspect, expected", [
    (0, {}),
    (None, {}),
    (0.5, {"evs.suspect_timeout": "PT0.5S", "evs.keepalive_period": "PT0.15S",
           "evs.inactive_check_period": "PT0.1S", "evs.inactive_timeout": "PT15S",
           "evs.join_retrans_period": "PT0.15S"}),
    (10, {"evs.suspect_timeout": "PT10S", "evs.keepalive_period": "PT3S",
          "evs.inactive_check_period": "PT0.5S", "evs.inactive_timeout": "PT30S",
          "evs.join_retrans_period": "PT1S"}),
])
def test_evs_options(suspect, expected):
    assert galera.evs_options(suspect) == expected


@pytest.mark.parametrize("suspect", [0.2, 0.5, 1, 5, 30])
def test_derived_evs_options_keep_galeras_startup_rules(suspect):
    def seconds(text):
        return float(text[2:-1])
    options = galera.evs_options(suspect)
    assert seconds(options["evs.keepalive_period"]) < seconds(options["evs.suspect_timeout"]) / 3
    assert seconds(options["evs.inactive_check_period"]) <= seconds(options["evs.suspect_timeout"])
    # during a membership change join messages replace keepalives: they must come faster than suspicion
    assert seconds(options["evs.join_retrans_period"]) < seconds(options["evs.suspect_timeout"]) / 3
    # install_timeout is derived as half of it and must exceed the 1 s join retransmit period
    assert seconds(options["evs.inactive_timeout"]) / 2 > 1
    assert seconds(options["evs.inactive_timeout"]) > seconds(options["evs.suspect_timeout"])


@pytest.mark.parametrize("suspect, extra, words", [
    (0.5, {}, []),
    (0.1, {}, ["below 0.2 s"]),
    (0.5, {"evs.suspect_timeout": "PT9S"}, ["use one or the other"]),
    (0, {"evs.suspect_timeout": "PT9S"}, []),
    (0, {"gcs.fc_limit": "16;x=1"}, ["must not contain"]),
])
def test_provider_option_problems(suspect, extra, words):
    problems = galera.provider_option_problems(suspect, extra)
    assert len(problems) == len(words)
    for word in words:
        assert any(word in p for p in problems), problems


@pytest.mark.parametrize("priority, extra, words", [
    (0, {}, []),
    (1, {}, []),
    (99, {}, []),
    ("2", {}, []),                      # -e galera_realtime_priority=2 arrives as text
    (100, {}, ["galera_realtime_priority=100: use 1 to 99"]),
    (-1, {}, ["galera_realtime_priority=-1"]),
    (True, {}, ["galera_realtime_priority=True"]),
    ("high", {}, ["galera_realtime_priority='high'"]),
    (2, {"gcomm.thread_prio": "fifo:5"}, ["use one or the other"]),
    (0, {"gcomm.thread_prio": "fifo:5"}, []),
])
def test_realtime_priority_problems(priority, extra, words):
    problems = galera.provider_option_problems(0.5, extra, priority)
    assert len(problems) == len(words)
    for word in words:
        assert any(word in p for p in problems), problems


def test_provider_options_are_one_sorted_string():
    text = galera.provider_options("1G", 0.5, {"gcs.fc_limit": 64},
                                   tls={"ca": "/c", "cert": "/e", "key": "/k"})
    assert text == ("evs.inactive_check_period=PT0.1S;evs.inactive_timeout=PT15S;evs.join_retrans_period=PT0.15S;"
                    "evs.keepalive_period=PT0.15S;evs.suspect_timeout=PT0.5S;gcache.recover=yes;gcache.size=1G;gcs.fc_limit=64;"
                    "socket.ssl=yes;socket.ssl_ca=/c;socket.ssl_cert=/e;socket.ssl_key=/k")
    assert galera.provider_options("256M") == "gcache.recover=yes;gcache.size=256M"


@pytest.mark.parametrize("priority, expected", [
    (0, "gcache.recover=yes;gcache.size=256M"),
    (2, "gcache.recover=yes;gcache.size=256M;gcomm.thread_prio=rr:2"),
    ("7", "gcache.recover=yes;gcache.size=256M;gcomm.thread_prio=rr:7"),
])
def test_realtime_priority_sets_the_gcomm_threads_policy(priority, expected):
    assert galera.provider_options("256M", realtime_priority=priority) == expected


EVS_05 = ("evs.inactive_check_period=PT0.1S;evs.inactive_timeout=PT15S;evs.join_retrans_period=PT0.15S;"
          "evs.keepalive_period=PT0.15S;evs.suspect_timeout=PT0.5S")


@pytest.mark.parametrize("suspect, extra, tls, expected", [
    # Galera's defaults and nothing else: an empty GALERA_OPTIONS
    (0, None, None, ""),
    # the members' timers, so garbd suspects a silent node as soon as they do
    (0.5, None, None, EVS_05),
    ("0.5", {}, None, EVS_05),
    # no write-set cache and its own flow control: those options are the members' alone
    (0, {"gcache.size": "1G", "gcache.recover": "yes", "gcs.fc_limit": 64, "pc.weight": 1}, None, "pc.weight=1"),
    (0, None, {"ca": "/c", "cert": "/e", "key": "/k"}, "socket.ssl=yes;socket.ssl_ca=/c;socket.ssl_cert=/e;socket.ssl_key=/k"),
    # the members' own options win over the derived ones, as in provider_options
    (0.5, {"evs.suspect_timeout": "PT1S"}, None, EVS_05.replace("suspect_timeout=PT0.5S", "suspect_timeout=PT1S")),
])
def test_arbitrator_options_follow_the_members(suspect, extra, tls, expected):
    assert galera.arbitrator_options(suspect, extra, tls) == expected


@pytest.mark.parametrize("named, expected", [
    ({}, []),
    ({"db1": "", "db2": None}, []),
    ({"db1": "lb1", "db2": "lb1", "db3": "lb1"}, ["lb1"]),
    ({"db1": "lb2", "db2": "lb1"}, ["lb1", "lb2"]),
])
def test_arbitrator_hosts_are_the_ones_the_members_name(named, expected):
    hostvars = dict((db, {"galera_arbitrator_host": host} if host is not None else {}) for db, host in named.items())
    hostvars.setdefault("db1", {})
    assert galera.arbitrator_hosts(sorted(hostvars), hostvars) == expected


@pytest.mark.parametrize("incoming, expected", [
    ("172.22.77.21:3306,172.22.77.22:3306,172.22.77.23:3306", []),
    # db4 and db5 left the inventory while they still run
    ("172.22.77.21:3306,172.22.77.25:3306,172.22.77.22:3306,172.22.77.23:3306,172.22.77.24:3306",
     ["172.22.77.24", "172.22.77.25"]),
    # garbd has no incoming address; a node that did not say its own is AUTO
    ("172.22.77.21:3306,,172.22.77.22:3306", []),
    (["172.22.77.21:3306", "AUTO"], []),
    # IPv6, bracketed
    ("[fd00::21]:3306,[fd00::99]:3306", ["fd00::99"]),
    ("", []),
])
def test_outsiders_are_running_members_the_inventory_no_longer_names(incoming, expected):
    known = ["172.22.77.21", "172.22.77.22", "172.22.77.23", "fd00::21"]
    assert galera.outsiders(incoming, known) == expected


HASH = "*" + "A1" * 20


def test_accounts_one_entry_per_user_and_host():
    users = [{"name": "app", "password": "pw-app-0123456", "priv": "app.*:ALL"},
             {"name": "report", "password_hash": HASH, "priv": "app.*:SELECT", "hosts": ["10.0.0.9"]}]
    result = galera.accounts(users, ["172.22.77.16", "172.22.77.17"], "monitor", "pw-mon-0123456")
    assert result == [
        {"name": "app", "host": "172.22.77.16", "password": "pw-app-0123456", "encrypted": False, "priv": "app.*:ALL"},
        {"name": "app", "host": "172.22.77.17", "password": "pw-app-0123456", "encrypted": False, "priv": "app.*:ALL"},
        {"name": "report", "host": "10.0.0.9", "password": HASH, "encrypted": True, "priv": "app.*:SELECT"},
        {"name": "monitor", "host": "172.22.77.16", "password": "pw-mon-0123456", "encrypted": False,
         "priv": "*.*:USAGE"},
        {"name": "monitor", "host": "172.22.77.17", "password": "pw-mon-0123456", "encrypted": False,
         "priv": "*.*:USAGE"},
    ]


def test_accounts_without_monitor():
    assert galera.accounts([], ["h"], "", "x") == []


@pytest.mark.parametrize("users, hosts, words", [
    ([{"name": "app", "password": "x" * 16}], ["h"], []),
    ([{"name": "app", "password_hash": HASH}], ["h"], []),
    ([{"name": "app"}], ["h"], ["exactly one of password or password_hash"]),
    ([{"name": "app", "password": "x", "password_hash": HASH}], ["h"], ["exactly one"]),
    ([{"name": "app", "password_hash": "plain"}], ["h"], ["mysql_native_password hash"]),
    ([{"password": "x"}], ["h"], ["has no name"]),
    ([{"name": "app", "password": "x"}], [], ["has no hosts"]),
])
def test_account_problems(users, hosts, words):
    problems = galera.account_problems(users, hosts)
    assert len(problems) == len(words), problems
    for word in words:
        assert any(word in p for p in problems), problems


def starting(seqno=-1):
    return dict(stopped(seqno=seqno), service_state="activating")


def stopping():
    return dict(non_primary(), running=False, service_state="deactivating")


# (case, states, settle, stop, forget): the steps before the plan is acted on
STEPS = [
    ("a running cluster: no step",
     {"db1": primary(), "db2": primary(), "db3": primary()}, [], [], []),
    ("after a power loss, nodes that systemd still starts get the chance to restore the component",
     {"db1": starting(), "db2": starting(), "db3": stopped(seqno=4)}, ["db1", "db2"], ["db1", "db2"], []),
    ("a node still starting while a member is unreachable: wait, but never stop it",
     {"db1": starting(), "db2": stopped(seqno=4), "db3": UNREACHABLE}, ["db1"], [], []),
    ("a node stuck stopping (an interrupted state transfer) is stopped, not waited for",
     {"db1": stopping(), "db2": stopped(seqno=4), "db3": stopped(seqno=4)}, [], ["db1"], []),
    ("a primary runs: a starting node is joining it, left alone",
     {"db1": primary(2), "db2": primary(2), "db3": starting()}, [], [], []),
    ("a primary runs: the stopped joiners forget their saved component",
     {"db1": primary(1), "db2": stopped(seqno=4), "db3": dict(stopped(seqno=4), service_state="failed")},
     [], [], ["db2", "db3"]),
]


@pytest.mark.parametrize("case, states, settle, stop, forget", STEPS, ids=[c[0] for c in STEPS])
def test_plan_steps(case, states, settle, stop, forget):
    result = galera.plan(states, MEMBERS)
    assert (result["settle"], result["stop"], result["forget"]) == (settle, stop, forget)


@pytest.mark.parametrize("states, sizes", [
    ({"db1": fresh(), "db2": fresh(), "db3": fresh()}, {"db2": 2, "db3": 3}),
    ({"db1": primary(2), "db2": primary(2), "db3": stopped(seqno=4)}, {"db3": 3}),
    ({"db1": primary(1), "db2": stopped(seqno=4), "db3": fresh()}, {"db2": 2, "db3": 3}),
    ({"db1": primary(), "db2": primary(), "db3": primary()}, {}),
    ({"db1": stopped(seqno=3), "db2": stopped(seqno=3)}, {}),
])
def test_each_joiner_expects_the_nodes_before_it(states, sizes):
    assert galera.plan(states, MEMBERS)["join_size"] == sizes


def synced(size=3, addresses=("10.0.0.1:3306", "10.0.0.2:3306", "10.0.0.3:3306")):
    return dict(primary(size), service_state="active", incoming_addresses=list(addresses))


# (case, state, until, cluster_size, addresses, verdict, words)
WAITS = [
    ("settled: systemd still starts it", starting(), "settled", None, [], "wait", ["still starting"]),
    ("settled: systemd still stops it", stopping(), "settled", None, [], "wait", ["still stopping"]),
    ("settled: it runs", synced(), "settled", None, [], "done", ["Synced in a Primary component of 3"]),
    ("settled: it failed, which is an answer", dict(stopped(), service_state="failed"), "settled", None, [],
     "done", ["not running (systemd: failed)"]),
    ("synced: still joining", dict(synced(), local_state="Joiner"), "synced", None, [], "wait", ["Joiner"]),
    ("synced: non-primary", dict(synced(1), cluster_status="non-Primary"), "synced", None, [], "wait",
     ["non-Primary component of 1"]),
    ("synced: done", synced(), "synced", 3, [], "done", []),
    ("synced: the others are still coming", synced(2), "synced", 3, [], "wait", ["at least 3"]),
    ("synced: an arbitrator counts in the size", synced(4), "synced", 3, [], "done", []),
    ("synced: a member's address is missing", synced(3, ["10.0.0.1:3306", "10.0.0.9:3306"]), "synced", None,
     ["10.0.0.1:3306", "10.0.0.3:3306"], "wait", ["without 10.0.0.3:3306"]),
    ("synced: an address without a port matches any port", synced(), "synced", None, ["10.0.0.2"], "done", []),
    ("synced: an address with another port does not match", synced(), "synced", None, ["10.0.0.2:3307"], "wait",
     ["without 10.0.0.2:3307"]),
    ("synced: the service failed", dict(stopped(), service_state="failed"), "synced", None, [], "fail",
     ["failed"]),
    ("synced: not running yet", dict(stopped(), service_state="activating"), "synced", None, [], "wait",
     ["not running (systemd: activating)"]),
    ("joined: Synced alone is a component of its own", synced(1), "joined", 3, [], "fail",
     ["component of its own", "at least 3", "run the recovery again"]),
    ("joined: done", synced(3), "joined", 3, [], "done", []),
    ("joined: the service failed", dict(stopped(), service_state="failed"), "joined", 3, [], "fail", ["failed"]),
]


@pytest.mark.parametrize("case, state, until, size, addresses, verdict, words", WAITS, ids=[c[0] for c in WAITS])
def test_wait_verdict(case, state, until, size, addresses, verdict, words):
    got, why = galera.wait_verdict(state, until, size, addresses)
    assert got == verdict, why
    for word in words:
        assert word in why, (word, why)


@pytest.mark.parametrize("incoming, addresses, missing", [
    (["[fd00::1]:3306"], ["fd00::1", "[fd00::1]:3306"], []),
    (["[fd00::1]:3306"], ["fd00::2"], ["fd00::2"]),
    ([], ["10.0.0.1"], ["10.0.0.1"]),
    (["10.0.0.1:3306"], [], []),
])
def test_missing_addresses(incoming, addresses, missing):
    assert galera.missing_addresses(incoming, addresses) == missing


def test_a_wait_failure_names_what_was_awaited_and_where_to_look():
    text = galera.wait_failure("joined", "not running (systemd: activating)", 600.4, hint="Check the firewall")
    assert text == ("Waited 600 s for it to join the cluster and be Synced: not running (systemd: activating). "
                    "See journalctl -u mariadb. Check the firewall")


@pytest.mark.parametrize("state, words", [
    (synced(3), []),
    (synced(5), []),
    # two databases and garbd: the size counts the arbitrator's vote
    (synced(3, ["10.0.0.1:3306", "10.0.0.2:3306"]), []),
    (synced(2), ["Without db1, 1 of the component's 2 votes", "arbitrator (garbd)"]),
    (synced(1), ["0 of the component's 1 votes"]),
    (dict(synced(3), local_state="Donor/Desynced"), ["db1 is Donor/Desynced in a Primary component of 3",
                                                     "healthy cluster"]),
    (dict(synced(2), cluster_status="non-Primary"), ["non-Primary"]),
    (dict(stopped(), service_state="inactive"), ["db1 is not running (systemd: inactive)"]),
])
def test_departure_problems(state, words):
    problems = galera.departure_problems(state, "db1")
    assert bool(problems) == bool(words), problems
    for word in words:
        assert word in problems[0], (word, problems)
