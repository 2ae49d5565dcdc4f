"""Managed by Ansible (hastack.web.rsync_sync).

hastack-sync status      when each peer last received a successful sync, and lsyncd's state
hastack-sync reconcile   one full rsync of every directory to every peer (the timer runs it)
hastack-sync check       a dry run to every peer (SSH, keys, host keys, rrsync), and
                         lsyncd has synced to every peer since it started (waits 30 s)

Settings: /etc/hastack/sync-targets.json, written by the role.
"""

import json
import os
import subprocess
import sys
import time

SETTINGS = "/etc/hastack/sync-targets.json"
STATE = "/var/lib/hastack-sync-state"


def settings():
    with open(SETTINGS) as f:
        return json.load(f)


def rsync_command(conf, directory, target, dry_run=False, reconcile=False):
    ssh = ("/usr/bin/ssh -i %(key)s -o BatchMode=yes -o StrictHostKeyChecking=yes "
           "-o UserKnownHostsFile=%(known_hosts)s -o ConnectTimeout=5" % conf)
    # a dry run uses plain rsync: the wrapper would record it as a successful sync
    cmd = ["rsync" if dry_run else conf["rsync"], "-rlt", "--chmod=D2775,F664", "--omit-dir-times", "-e", ssh]
    if conf["update_only"]:
        cmd.append("--update")  # multi: never overwrite a newer file on the peer
    if directory["delete"] and reconcile and not conf["update_only"]:
        cmd.append("--delete")  # primary: the source is the truth
    if dry_run:
        cmd.append("--dry-run")
    cmd += ["--exclude=%s" % e for e in directory.get("excludes", [])]
    cmd += [directory["path"].rstrip("/") + "/", "%s@%s:%s/" % (conf["user"], target, directory["path"].rstrip("/"))]
    return cmd


def run_all(dry_run):
    conf = settings()
    failed = 0
    for target in conf["targets"]:
        for directory in conf["directories"]:
            proc = subprocess.run(rsync_command(conf, directory, target, dry_run, reconcile=True),
                                  capture_output=True, text=True, timeout=3600, check=False)
            if proc.returncode:
                failed += 1
                print("%s -> %s: rsync failed (%d): %s" % (
                    directory["path"], target, proc.returncode, proc.stderr.strip()), file=sys.stderr)
    return 1 if failed else 0


def last_sync(target):
    try:
        with open(os.path.join(STATE, "last-" + target)) as f:
            return float(f.read().strip())
    except (OSError, ValueError):
        return None


def lsyncd_started():
    """When hastack-sync.service last became active (epoch s), or None when it is not active."""
    out = subprocess.run(["systemctl", "show", "-p", "ActiveEnterTimestamp", "--value", "--timestamp=unix",
                          "hastack-sync.service"], capture_output=True, text=True, check=False).stdout.strip()
    active = subprocess.run(["systemctl", "is-active", "hastack-sync.service"], capture_output=True,
                            text=True, check=False).stdout.strip()
    return float(out.lstrip("@")) if active == "active" and out.startswith("@") else None


def check():
    if run_all(dry_run=True):
        return 1
    conf = settings()
    if not conf["source"]:
        return 0
    started = lsyncd_started()
    if started is None:
        print("hastack-sync.service (lsyncd) is not running", file=sys.stderr)
        return 1
    deadline = time.time() + 30
    behind = conf["targets"]
    while behind and time.time() < deadline:
        behind = [t for t in conf["targets"] if (last_sync(t) or 0) < started]
        time.sleep(0.5)
    for target in behind:
        print("lsyncd has not synced to %s since it started: see /var/log/hastack-sync.log" % target,
              file=sys.stderr)
    return 1 if behind else 0


def status():
    conf = settings()
    now = time.time()
    print("role: %s (%s topology)" % ("source" if conf["source"] else "receiver", conf["topology"]))
    if conf["source"]:
        active = subprocess.run(["systemctl", "is-active", "hastack-sync"], capture_output=True,
                                text=True, check=False).stdout.strip()
        print("lsyncd (hastack-sync.service): %s" % active)
        for target in conf["targets"]:
            last = last_sync(target)
            if last is None:
                print("peer %-16s no successful sync yet" % target)
            else:
                print("peer %-16s last successful sync %s (%.1f s ago)" % (
                    target, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(last)), now - last))
    return 0


def main(argv):
    if argv[1:] == ["status"]:
        return status()
    if argv[1:] == ["reconcile"]:
        return run_all(dry_run=False)
    if argv[1:] == ["check"]:
        return check()
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
