import shlex

import pytest

from ansible_collections.hastack.web.plugins.module_utils import file_state

SUM = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
OTHER = "0" * 40
# stat's raw mode in hex: 81a0 is a regular file 0640, a1ff a link 0777, 41ed a directory 0755.
FILE_0640 = "81a0 0 33 root haproxy 1024\n%s  /etc/haproxy/haproxy.cfg\n" % SUM


def found(**changes):
    facts = file_state.parse_probe(FILE_0640)
    facts.update(changes)
    return facts


def test_the_probe_quotes_the_path_for_both_commands():
    command = file_state.probe_command("/etc/my app/x'y.cfg", shlex.quote)
    assert command.count(shlex.quote("/etc/my app/x'y.cfg")) == 2
    assert command.startswith("LC_ALL=C stat -c ")
    assert " && sha1sum -- " in command


@pytest.mark.parametrize("stdout, expected", [
    (FILE_0640, dict(regular=True, mode=0o640, uid=0, gid=33, owner="root", group="haproxy", size=1024,
                     checksum=SUM)),
    ("a1ff 0 0 root root 7\n%s  /x\n" % SUM, dict(regular=False, mode=0o777)),
    ("41ed 0 0 root root 4096\n%s  /x\n" % SUM, dict(regular=False, mode=0o755)),
    ("89ed 0 0 root root 1\n%s  /x\n" % SUM, dict(regular=True, mode=0o4755)),
    ("81a4 1000 1000 UNKNOWN UNKNOWN 0\n%s  /x\n" % SUM, dict(owner="UNKNOWN", uid=1000)),
])
def test_what_the_probe_found(stdout, expected):
    facts = file_state.parse_probe(stdout)
    for key, value in expected.items():
        assert facts[key] == value


@pytest.mark.parametrize("stdout", [
    "",
    None,
    "81a0 0 33 root haproxy 1024\n",                               # sha1sum did not run
    "81a0 0 33 root haproxy\n%s  /x\n" % SUM,                       # a field missing
    "81a0 0 33 root ha proxy 1024\n%s  /x\n" % SUM,                 # a name with a space
    "zz 0 33 root haproxy 1024\n%s  /x\n" % SUM,                    # not hex
    "81a0 0 33 root haproxy 1024\n\\%s  /x\\ny\n" % SUM,            # sha1sum escaped the name
    "81a0 0 33 root haproxy 1024\n%s  /x\nextra\n" % SUM,
    "81a0 0 33 root haproxy 1024\nnot-a-checksum  /x\n",
])
def test_output_the_probe_does_not_print_is_not_taken(stdout):
    assert file_state.parse_probe(stdout) is None


@pytest.mark.parametrize("value, expected", [
    (None, None),
    ("0640", 0o640),
    ("640", 0o640),
    ("2755", 0o2755),
    (" 0644 ", 0o644),
    (0o640, 0o640),           # YAML's unquoted 0640
    (420, 0o644),
    ("u=rw,g=r", False),      # symbolic: the builtin's file module works it out
    ("preserve", False),
    ("0999", False),
    ("07777", False),
    (-1, False),
    (0o10000, False),
    (True, False),
])
def test_wanted_mode(value, expected):
    assert file_state.wanted_mode(value) == expected


@pytest.mark.parametrize("args, facts, expected", [
    # the ordinary unchanged configuration file
    (dict(src="/tmp/x", dest="/etc/haproxy/haproxy.cfg", owner="root", group="haproxy", mode="0640",
          validate="haproxy -c -f %s", backup=True, follow=False), found(), True),
    (dict(dest="/x"), found(), True),
    (dict(dest="/x", owner="0", group="33", mode=0o640), found(), True),
    (dict(dest="/x", owner=0, group=33), found(), True),
    (dict(dest="/x", force=False), found(), True),
    (dict(dest="/x", mode=None, owner=None, seuser=None), found(), True),   # unset options do not count
    # any difference, or anything not compared, means the builtin runs
    (dict(dest="/x"), found(checksum=OTHER), False),
    (dict(dest="/x"), None, False),
    (dict(dest="/x"), found(regular=False), False),
    (dict(dest="/x", mode="0644"), found(), False),
    (dict(dest="/x", mode="u=rw,g=r"), found(), False),
    (dict(dest="/x", mode="preserve"), found(), False),
    (dict(dest="/x", owner="www-data"), found(), False),
    (dict(dest="/x", owner="1"), found(), False),
    (dict(dest="/x", group="root"), found(), False),
    (dict(dest="/x", group=0), found(), False),
    (dict(dest="/x", owner="root"), found(owner="UNKNOWN"), False),
    (dict(dest="/x", attributes="+i"), found(), False),
    (dict(dest="/x", setype="etc_t"), found(), False),
    (dict(dest="/x", seuser="system_u"), found(), False),
    (dict(dest="/x", some_future_option=1), found(), False),
])
def test_in_sync_only_when_everything_asked_is_shown(args, facts, expected):
    assert file_state.in_sync(args, SUM, facts) is expected


def test_the_unchanged_result_reads_like_the_file_modules():
    result = file_state.unchanged_result("/etc/haproxy/haproxy.cfg", found())
    assert result == dict(changed=False, path="/etc/haproxy/haproxy.cfg", dest="/etc/haproxy/haproxy.cfg",
                          state="file", checksum=SUM, mode="0640", uid=0, gid=33, owner="root",
                          group="haproxy", size=1024)


@pytest.mark.parametrize("args, expected", [
    (dict(path="/etc/x.d", state="directory", owner="root", group="root", mode="0755"), ("directory", "/etc/x.d")),
    (dict(path="/etc/x", state="absent"), ("absent", "/etc/x")),
    (dict(path="/etc/a/b", state="link", src="../c", force=True, follow=False), ("link", "/etc/a/b")),
    # the builtin decides
    (dict(path="/etc/x", state="file"), None),
    (dict(path="/etc/x", state="touch"), None),
    (dict(path="/etc/x", state="directory", recurse=True), None),
    (dict(path="/etc/x", state="directory", setype="etc_t"), None),
    (dict(path="/etc/x", state="directory", modification_time="now"), None),
    (dict(path="/etc/x", state="link"), None),
    (dict(path="/etc/x", state="link", src="/y", owner="root"), None),
    (dict(path="/etc/x", state="absent", mode="0755"), None),
    (dict(state="directory"), None),
])
def test_file_askable(args, expected):
    assert file_state.file_askable(args) == expected


DIRECTORY = "41ed 0 0 root root 4096\n"
LINK = "a1ff 0 0 root root 11\n../sites-available/hastack.conf\n"


@pytest.mark.parametrize("args, stdout, expected", [
    (dict(path="/d", state="directory", owner="root", group="0", mode="0755"), DIRECTORY, "directory"),
    (dict(path="/d", state="directory"), DIRECTORY, "directory"),
    (dict(path="/d", state="directory", mode="0750"), DIRECTORY, None),
    (dict(path="/d", state="directory", owner="www-data"), DIRECTORY, None),
    (dict(path="/d", state="directory", mode="u=rwx,go=rx"), DIRECTORY, None),
    (dict(path="/d", state="directory"), FILE_0640.splitlines()[0] + "\n", None),   # a file is there
    (dict(path="/d", state="directory"), "a1ff 0 0 root root 4\n", None),           # a link to a directory
    (dict(path="/l", state="link", src="../sites-available/hastack.conf"), LINK, "link"),
    (dict(path="/l", state="link", src="/etc/apache2/sites-available/hastack.conf"), LINK, None),
    (dict(path="/l", state="link", src="x"), DIRECTORY + "x\n", None),
    (dict(path="/a", state="absent"), "absent\n", "absent"),
    (dict(path="/a", state="absent"), "present\n", None),
    (dict(path="/d", state="directory"), "", None),
    (dict(path="/d", state="directory"), "garbage\n", None),
])
def test_file_in_state(args, stdout, expected):
    result = file_state.file_in_state(args, args["state"], stdout)
    assert (result and result["state"]) == expected
    if result:
        assert result["changed"] is False and result["path"] == args["path"]
