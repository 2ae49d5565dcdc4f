"""galera_node_info gathers, and runs only what it reports: a fake AnsibleModule answers
its commands."""

import pytest

from ansible_collections.hastack.web.plugins.modules import galera_node_info

UUID = "6c1d4f2a-1111-11ef-8000-0242ac164d15"
STATUS = ("wsrep_cluster_status\tPrimary\nwsrep_local_state_comment\tSynced\nwsrep_cluster_size\t3\n"
          "wsrep_cluster_state_uuid\t%s\nwsrep_incoming_addresses\t10.0.0.1:3306,10.0.0.2:3306\n"
          "wsrep_last_committed\t42\n" % UUID)


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, datadir, answers, check_mode=False, recover=True, wait=None):
        self.params = {"service": "mariadb", "datadir": str(datadir), "login_unix_socket": "/run/mysqld/mysqld.sock",
                       "recover": recover, "recover_timeout": 300, "wait": wait}
        self.check_mode = check_mode
        self.answers = answers
        self.ran = []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return "/usr/bin/" + name

    def set_owner_if_different(self, path, owner, changed):
        return changed

    def fail_json(self, **result):
        raise Failed(result)

    def run_command(self, args, **kwargs):
        self.ran.append(args)
        for key, answer in self.answers.items():
            if key in " ".join(args):
                if callable(answer):
                    return answer(args)
                return answer
        raise AssertionError("unexpected command: %s" % args)


def grastate(tmp_path, seqno, safe=0):
    (tmp_path / "grastate.dat").write_text("# GALERA saved state\nversion: 2.1\nuuid:    %s\nseqno:   %d\n"
                                           "safe_to_bootstrap: %d\n" % (UUID, seqno, safe))


def write_recovery_log(position):
    def answer(args):
        log = [a for a in args if a.startswith("--log-error=")][0].split("=", 1)[1]
        with open(log, "w") as handle:
            handle.write("[Note] InnoDB: ...\n[Note] WSREP: Recovered position: %s\n" % position)
        return 0, "", ""
    return answer


def test_a_running_node_reports_its_wsrep_status(tmp_path):
    grastate(tmp_path, -1)
    module = FakeModule(tmp_path, {"is-active": (0, "active\n", ""), "SHOW GLOBAL STATUS": (0, STATUS, "")})
    state, extra = galera_node_info.Gatherer(module).gather()
    assert state["running"] is True
    assert (state["cluster_status"], state["local_state"], state["cluster_size"]) == ("Primary", "Synced", 3)
    assert state["incoming_addresses"] == ["10.0.0.1:3306", "10.0.0.2:3306"]
    assert state["recovered_seqno"] is None
    assert not any("--wsrep-recover" in " ".join(a) for a in module.ran)
    assert extra == {}


def test_a_crashed_node_recovers_its_position(tmp_path):
    grastate(tmp_path, -1)
    module = FakeModule(tmp_path, {"is-active": (3, "failed\n", ""),
                                   "--wsrep-recover": write_recovery_log("%s:1234" % UUID)})
    gatherer = galera_node_info.Gatherer(module)
    state, extra = gatherer.gather()
    assert state["running"] is False and state["service_state"] == "failed"
    assert (state["recovered_uuid"], state["recovered_seqno"]) == (UUID, 1234)
    assert any("--wsrep-recover" in c for c in gatherer.commands)
    assert gatherer.not_run == []


def test_check_mode_does_not_start_the_server_binary(tmp_path):
    grastate(tmp_path, -1)
    module = FakeModule(tmp_path, {"is-active": (3, "inactive\n", "")}, check_mode=True)
    gatherer = galera_node_info.Gatherer(module)
    state, dummy = gatherer.gather()
    assert state["recovered_seqno"] is None
    assert gatherer.not_run == ["position recovery: check mode (it would start the server binary)"]
    assert all("--wsrep-recover" not in " ".join(a) for a in module.ran)


@pytest.mark.parametrize("service_state", ["activating", "active"])
def test_no_recovery_while_systemd_is_starting_or_running_it(tmp_path, service_state):
    grastate(tmp_path, -1)
    module = FakeModule(tmp_path, {"is-active": (0, service_state + "\n", ""),
                                   "SHOW GLOBAL STATUS": (1, "", "can't connect")})
    state, dummy = galera_node_info.Gatherer(module).gather()
    assert state["running"] is False
    assert all("--wsrep-recover" not in " ".join(a) for a in module.ran)


def test_an_orderly_stopped_node_needs_no_recovery(tmp_path):
    grastate(tmp_path, 77, safe=1)
    module = FakeModule(tmp_path, {"is-active": (3, "inactive\n", "")})
    state, dummy = galera_node_info.Gatherer(module).gather()
    assert (state["seqno"], state["safe_to_bootstrap"], state["uuid"]) == (77, True, UUID)
    assert len(module.ran) == 1


def test_a_fresh_node_has_no_grastate(tmp_path):
    module = FakeModule(tmp_path, {"is-active": (3, "inactive\n", "")})
    state, dummy = galera_node_info.Gatherer(module).gather()
    assert state["uuid"] is None and state["seqno"] == -1


def test_a_recovery_that_finds_nothing_returns_the_end_of_its_log(tmp_path):
    grastate(tmp_path, -1)
    module = FakeModule(tmp_path, {"is-active": (3, "failed\n", ""),
                                   "--wsrep-recover": (1, "", "[ERROR] InnoDB: corrupt page\n")})
    state, extra = galera_node_info.Gatherer(module).gather()
    assert state["recovered_seqno"] is None
    assert "corrupt page" in extra["recovery_log"]


def test_gathering_changes_nothing_unless_recovery_is_asked_for():
    import yaml
    options = yaml.safe_load(galera_node_info.DOCUMENTATION)["options"]
    assert options["recover"]["default"] is False


def test_no_return_value_is_one_ansible_reads_as_the_tasks_outcome():
    import yaml
    returned = yaml.safe_load(galera_node_info.RETURN)
    assert not {"skipped", "changed", "failed", "unreachable"} & set(returned)


def sequence(*answers):
    """Answer each call with the next answer, then keep giving the last."""
    answers = list(answers)

    def answer(args):
        return answers.pop(0) if len(answers) > 1 else answers[0]
    return answer


def waiting(until, cluster_size=None, timeout=10):
    return {"until": until, "cluster_size": cluster_size, "addresses": [], "timeout": timeout, "interval": 0.01,
            "hint": "Look at the firewall"}


def joiner_status(size, state="Synced"):
    return STATUS.replace("Synced", state).replace("cluster_size\t3", "cluster_size\t%d" % size)


def test_a_wait_reads_again_until_the_node_is_there(tmp_path):
    grastate(tmp_path, -1)
    module = FakeModule(tmp_path, {
        "is-active": sequence((3, "activating\n", ""), (0, "active\n", "")),
        "SHOW GLOBAL STATUS": sequence((0, joiner_status(3, "Joiner"), ""), (0, joiner_status(3), ""))},
        recover=False, wait=waiting("joined", 3))
    state, dummy, waited = galera_node_info.wait(module, galera_node_info.Gatherer(module))
    assert (state["local_state"], state["cluster_size"]) == ("Synced", 3)
    assert waited["readings"] == 3


def test_a_joiner_alone_in_its_own_component_fails_at_once(tmp_path):
    grastate(tmp_path, -1)
    module = FakeModule(tmp_path, {"is-active": (0, "active\n", ""), "SHOW GLOBAL STATUS": (0, joiner_status(1), "")},
                        recover=False, wait=waiting("joined", 3, timeout=3600))
    with pytest.raises(Failed) as failed:
        galera_node_info.wait(module, galera_node_info.Gatherer(module))
    result = failed.value.args[0]
    assert "component of its own" in result["msg"] and "Look at the firewall" in result["msg"]
    assert result["waited"]["readings"] == 1
    assert result["state"]["cluster_size"] == 1


def test_a_wait_that_runs_out_of_time_says_where_the_node_is(tmp_path):
    grastate(tmp_path, -1)
    module = FakeModule(tmp_path, {"is-active": (3, "activating\n", ""), "SHOW GLOBAL STATUS": (1, "", "")},
                        recover=False, wait=waiting("synced", timeout=0.05))
    with pytest.raises(Failed) as failed:
        galera_node_info.wait(module, galera_node_info.Gatherer(module))
    assert "not running (systemd: activating)" in failed.value.args[0]["msg"]
    assert "journalctl -u mariadb" in failed.value.args[0]["msg"]


def test_a_wait_never_recovers_a_position(tmp_path):
    grastate(tmp_path, -1)
    module = FakeModule(tmp_path, {"is-active": (3, "inactive\n", "")}, recover=False, wait=waiting("settled"))
    state, dummy, waited = galera_node_info.wait(module, galera_node_info.Gatherer(module))
    assert state["service_state"] == "inactive" and waited["readings"] == 1
    assert all("--wsrep-recover" not in " ".join(a) for a in module.ran)
