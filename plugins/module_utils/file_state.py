# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a file on a host already is what a copy or template task asks for.

The builtin copy and template actions learn that a file is unchanged with two module runs
(``stat`` for the checksum, then ``file`` to compare the owner and mode) between making and
removing a remote temporary directory: four round trips, two of them a Python start that
imports ``module_utils.basic``. One POSIX shell command answers the same question for a
regular file. These functions build that command, read its output, and decide; whenever they
cannot be sure (an option they do not compare, a mode written symbolically, output they do
not recognise), the answer is "not known to be in sync" and the builtin action runs as ever.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import stat

# stat's raw mode in hex, uid, gid, owner, group, size; then sha1sum (the builtin's checksum).
_STAT_FORMAT = "%f %u %g %U %G %s"
_SHA1 = re.compile(r"^[0-9a-f]{40}$")
_OCTAL = re.compile(r"^[0-7]{1,4}$")

# Options that do not matter once the content is known to be equal: they act only on a write
# (backup, validate, unsafe_writes, checksum), choose the source (src, content, decrypt,
# local_follow, remote_src, directory_mode), name the file (dest, follow: a link is not a
# regular file, so it is never taken as in sync) or allow a write (force). Any other option
# given means "ask the builtin".
_IRRELEVANT_WHEN_EQUAL = frozenset((
    "src", "content", "dest", "backup", "validate", "unsafe_writes", "checksum", "decrypt",
    "local_follow", "remote_src", "directory_mode", "follow", "force",
))
_COMPARED = frozenset(("mode", "owner", "group"))


def probe_command(path, quote):
    """The shell command whose output parse_probe reads. ``quote`` is the connection shell's."""
    target = quote(path)
    return "LC_ALL=C stat -c '%s' -- %s && sha1sum -- %s" % (_STAT_FORMAT, target, target)


def _parse_stat(line):
    fields = line.split(" ")
    if len(fields) != 6:
        return None
    raw_mode, uid, gid, owner, group, size = fields
    try:
        raw_mode = int(raw_mode, 16)
        uid, gid, size = int(uid), int(gid), int(size)
    except ValueError:
        return None
    return dict(kind=stat.S_IFMT(raw_mode), regular=stat.S_ISREG(raw_mode), mode=stat.S_IMODE(raw_mode),
                uid=uid, gid=gid, owner=owner, group=group, size=size)


def parse_probe(stdout):
    """What the probe found, or None when its output is not what the probe prints."""
    lines = (stdout or "").splitlines()
    if len(lines) != 2:
        return None
    found = _parse_stat(lines[0])
    # sha1sum starts the line with a backslash when it had to escape the name.
    checksum = lines[1].split(" ", 1)[0]
    if found is None or not _SHA1.match(checksum):
        return None
    found["checksum"] = checksum
    return found


def wanted_mode(value):
    """The mode bits asked for: None when not asked, False when this module cannot compare it
    (symbolic modes, 'preserve'). An integer is taken as the bits themselves, as the file module
    takes it (YAML reads an unquoted 0644 as 420); a string of octal digits as octal."""
    if value is None:
        return None
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value if 0 <= value <= 0o7777 else False
    text = str(value).strip()
    return int(text, 8) if _OCTAL.match(text) else False


def _same_account(value, number, name):
    if value is None:
        return True
    text = str(value).strip()
    return int(text) == number if text.isdigit() else text == name


def in_sync(args, local_checksum, found):
    """True only when the file on the host is a regular file with the local content and every
    owner, group and mode the task asks for; False whenever that cannot be shown."""
    if not found or not found["regular"] or found["checksum"] != local_checksum:
        return False
    asked = dict((key, value) for key, value in args.items() if value is not None)
    if set(asked) - _IRRELEVANT_WHEN_EQUAL - _COMPARED:
        return False
    mode = wanted_mode(asked.get("mode"))
    if mode is False or (mode is not None and mode != found["mode"]):
        return False
    return (_same_account(asked.get("owner"), found["uid"], found["owner"])
            and _same_account(asked.get("group"), found["gid"], found["group"]))


def unchanged_result(path, found):
    """The result the builtin's file module gives for an unchanged file, from what was found."""
    return dict(changed=False, path=path, dest=path, state="file", checksum=found["checksum"],
                mode="%04o" % found["mode"], uid=found["uid"], gid=found["gid"],
                owner=found["owner"], group=found["group"], size=found["size"])


# hastack.web.file: directories, links and absent paths.
_FILE_IRRELEVANT = frozenset(("path", "state", "src", "follow", "force", "recurse", "unsafe_writes", "_original_basename",
                              "_diff_peek"))


def file_askable(args):
    """(state, path) for a file task this module can answer (a directory, a link or an absent
    path, not recursive, no times and no SELinux or attribute options), else None."""
    asked = dict((key, value) for key, value in args.items() if value is not None)
    if set(asked) - _FILE_IRRELEVANT - _COMPARED:
        return None
    state, path = asked.get("state"), asked.get("path")
    if state not in ("directory", "absent", "link") or not path or asked.get("recurse") not in (None, False):
        return None
    if state == "link" and (not asked.get("src") or set(asked) & _COMPARED):
        return None
    if state == "absent" and set(asked) & _COMPARED:
        return None
    return state, path


def file_probe_command(state, path, quote):
    """The command whose output file_found reads: stat's fields (no checksum), and for a link
    its target on a second line; for an absent path, a word."""
    target = quote(path)
    if state == "absent":
        return "if [ -e %s ] || [ -L %s ]; then echo present; else echo absent; fi" % (target, target)
    command = "LC_ALL=C stat -c '%s' -- %s" % (_STAT_FORMAT, target)
    return command + (" && readlink -- %s" % target if state == "link" else "")


def file_in_state(args, state, stdout):
    """The file module's unchanged result when the path already is as asked, else None."""
    path = args["path"]
    if state == "absent":
        return dict(changed=False, path=path, state="absent") if stdout == "absent\n" else None
    lines = (stdout or "").splitlines()
    if len(lines) != (2 if state == "link" else 1):
        return None
    found = _parse_stat(lines[0])
    if not found:
        return None
    if state == "link":
        if found["kind"] != stat.S_IFLNK or lines[1] != str(args["src"]):
            return None
        return dict(changed=False, path=path, state="link", src=lines[1])
    if found["kind"] != stat.S_IFDIR:
        return None
    mode = wanted_mode(args.get("mode"))
    if mode is False or (mode is not None and mode != found["mode"]):
        return None
    if not (_same_account(args.get("owner"), found["uid"], found["owner"])
            and _same_account(args.get("group"), found["gid"], found["group"])):
        return None
    return dict(changed=False, path=path, state="directory", mode="%04o" % found["mode"], uid=found["uid"],
                gid=found["gid"], owner=found["owner"], group=found["group"], size=found["size"])
