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


def parse_probe(stdout):
    """What the probe found, or None when its output is not what the probe prints."""
    lines = (stdout or "").splitlines()
    if len(lines) != 2:
        return None
    fields = lines[0].split(" ")
    if len(fields) != 6:
        return None
    raw_mode, uid, gid, owner, group, size = fields
    # sha1sum starts the line with a backslash when it had to escape the name.
    checksum = lines[1].split(" ", 1)[0]
    if not _SHA1.match(checksum):
        return None
    try:
        raw_mode = int(raw_mode, 16)
        uid, gid, size = int(uid), int(gid), int(size)
    except ValueError:
        return None
    return dict(regular=stat.S_ISREG(raw_mode), mode=stat.S_IMODE(raw_mode), uid=uid, gid=gid,
                owner=owner, group=group, size=size, checksum=checksum)


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
