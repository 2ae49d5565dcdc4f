"""Why a Molecule scenario failed: the lines make molecule prints at the end of a run."""

import pytest

from hastack_lab.gates.molecule import failure_lines

VERIFY_FAILED = """\
CRITICAL 'molecule/default/molecule.yml' glob failed.  Exiting.
INFO     default scenario not found, disabling shared state.
tests/test_rsync_sync.py::test_status PASSED [ 57%]
tests/test_rsync_sync.py::test_loops FAILED [100%]
=================================== FAILURES ===================================
>       assert before == after, "a sync loop"
E       AssertionError: a sync loop
E       assert {'a': '1'} == {'a': '2'}
=========================== short test summary info ============================
FAILED tests/test_rsync_sync.py::test_loops - AssertionError: a sync loop
======================== 1 failed, 6 passed in 190.00s =========================
ERROR    Verifier tests failed
ERROR    Molecule executed 1 scenario (1 failed)
"""

CONVERGE_FAILED = """\
TASK [hastack.web.proxysql : Fetch the repository's signing key] ***
fatal: [px-web1]: FAILED! =>
    changed: false
    msg: 'Request failed: refused'
...ignoring

TASK [hastack.web.galera : Check the cluster] ***
ok: [db1]

TASK [hastack.web.galera : Wait for the primary component] ***
fatal: [db2]: FAILED! =>
    changed: false
    msg: wsrep_cluster_status is non-Primary
    attempts: 30

PLAY RECAP *********************************************************************
CRITICAL Ansible return code was 2, command was: ansible-playbook converge.yml
"""

SKIPS_ONLY = """\
SKIPPED [2] tests/test_proxysql.py:145: needs a running ProxySQL
ERROR_LOG=/var/log/x (a variable, not a verdict)
 E   indented, not pytest's
"""


@pytest.mark.parametrize("log, expected", [
    pytest.param(VERIFY_FAILED, [
        "E       AssertionError: a sync loop",
        "E       assert {'a': '1'} == {'a': '2'}",
        "FAILED tests/test_rsync_sync.py::test_loops - AssertionError: a sync loop",
        "ERROR    Verifier tests failed",
        "ERROR    Molecule executed 1 scenario (1 failed)",
    ], id="verify: the failed test and its assertion, not Molecule's search for a default scenario"),
    pytest.param(CONVERGE_FAILED, [
        "TASK [hastack.web.galera : Wait for the primary component] ***",
        "fatal: [db2]: FAILED! =>",
        "    changed: false",
        "    msg: wsrep_cluster_status is non-Primary",
        "    attempts: 30",
        "CRITICAL Ansible return code was 2, command was: ansible-playbook converge.yml",
    ], id="converge: only the last failed task, with its message"),
    pytest.param(SKIPS_ONLY, [], id="skips and look-alikes are not failures"),
    pytest.param("", [], id="empty log"),
    pytest.param("\x1b[31m\x1b[1mCRITICAL\x1b[0m 'molecule/x/molecule.yml' glob failed.\n"
                 "  \u2502 E       assert 1 == 2\n", [
                     "CRITICAL 'molecule/x/molecule.yml' glob failed.",
                     "E       assert 1 == 2",
                 ], id="colours and Molecule's frame are removed"),
])
def test_failure_lines(log, expected):
    assert failure_lines(log.splitlines()) == expected


def test_a_long_failure_is_cut_and_says_so():
    lines = ["E   line %d" % n for n in range(100)]
    out = failure_lines(lines, limit=10)
    assert out[:9] == lines[:9]
    assert out[9] == "... 91 more lines in the log"


def test_the_task_body_is_bounded():
    lines = ["TASK [x] ***", "fatal: [h]: FAILED! =>"] + ["    line %d" % n for n in range(50)]
    assert len(failure_lines(lines, body=5)) == 2 + 5
