#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.web developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sql_probe
short_description: Write rows at a fixed rate through a database path, and check afterwards that none acknowledged was lost
version_added: 0.1.0
author: hastack.web developers (@hastack)
description:
  - The database client of failover tests - C(playbooks/failover_test.yml) runs it in the background (C(async))
    on a web server, through its ProxySQL as the application writes, while a fault is cut into the cluster.
  - Inserts one row every 1/O(rate) seconds into O(table) (created when missing) for O(duration) seconds, each
    an autocommit C(INSERT) on a connection kept open, and opened again after an error. A row counts as
    acknowledged when the server answered its commit.
  - Afterwards it reads the run's rows back inside a transaction (through ProxySQL that is the writer), for up to
    O(settle) seconds while the cluster comes back, reports every acknowledged row that is missing as lost, and
    deletes the run's rows.
  - The loop ends by itself after O(duration); at most O(rate) x O(duration) rows are written.
requirements:
  - PyMySQL on the host it runs on (the C(proxysql) role installs it on the web servers).
options:
  login_host:
    description: Where to connect - the web server's own ProxySQL by default.
    type: str
    default: 127.0.0.1
  login_port:
    description: Its port (ProxySQL's MySQL interface, or 3306 for a database node).
    type: int
    default: 6033
  login_user:
    description: A user that may create O(table) in O(database) and write to it.
    type: str
    required: true
  login_password:
    description: Its password.
    type: str
    required: true
  database:
    description: The database O(table) is in.
    type: str
    required: true
  table:
    description: The table the rows go to; created when missing, one row per write, removed after the run.
    type: str
    default: hastack_failover_test
  rate:
    description: Writes per second (1 to 100).
    type: float
    default: 10
  duration:
    description: Seconds to write for (1 to 3600).
    type: float
    required: true
  timeout:
    description: Seconds to connect, and for a write to be answered, before it counts as failed.
    type: float
    default: 2
  settle:
    description: Seconds to keep trying the read-back while the cluster comes back.
    type: float
    default: 60
attributes:
  check_mode:
    support: none
    description: It writes rows, and creates O(table) when missing.
  diff_mode:
    support: none
    description: Nothing to show.
"""

EXAMPLES = r"""
- name: Write 10 rows a second for a minute through web1's ProxySQL, in the background
  hastack.web.sql_probe:
    login_user: app
    login_password: "{{ vault_app_password }}"
    database: app
    duration: 60
  delegate_to: web1
  async: 180
  poll: 0
  register: writer
"""

RETURN = r"""
samples:
  description: One per write, in order.
  returned: always
  type: list
  elements: dict
  contains:
    t:
      description: When the write was sent (epoch seconds).
      type: float
    ok:
      description: Whether its commit was acknowledged in time.
      type: bool
    ms:
      description: Milliseconds the write took.
      type: int
    n:
      description: The row's number in this run.
      type: int
requests:
  description: How many writes were sent.
  returned: always
  type: int
failures:
  description: How many were not acknowledged (not C(failed), which would fail the task).
  returned: always
  type: int
acknowledged:
  description: How many were acknowledged.
  returned: always
  type: int
lost:
  description: The numbers of the acknowledged rows that were missing afterwards - never any, on a cluster that
    keeps its promise.
  returned: always
  type: list
  elements: int
in_doubt:
  description: Writes that failed but whose row is there (the commit happened, its answer was lost).
  returned: always
  type: int
read_back:
  description: Whether the rows could be read back within O(settle); without it, RV(lost) is empty and means nothing.
  returned: always
  type: bool
run:
  description: The run's name in the C(run) column.
  returned: always
  type: str
"""

import time
import traceback
import uuid

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hastack.web.plugins.module_utils.pacing import paced, rate_problem
from ansible_collections.hastack.web.plugins.module_utils.trial import write_outcome

try:
    import pymysql
    PYMYSQL_ERROR = None
except ImportError:
    pymysql = None
    PYMYSQL_ERROR = traceback.format_exc()

SCHEMA = ("CREATE TABLE IF NOT EXISTS `{table}` (id BIGINT AUTO_INCREMENT PRIMARY KEY, run VARCHAR(40) NOT NULL, "
          "n INT NOT NULL, UNIQUE KEY run_n (run, n)) ENGINE=InnoDB")


class Writer(object):
    """One connection, opened again after any error."""

    def __init__(self, params):
        self.params = params
        self.conn = None

    def connect(self):
        if self.conn is None:
            p = self.params
            self.conn = pymysql.connect(host=p["login_host"], port=p["login_port"], user=p["login_user"],
                                        password=p["login_password"], database=p["database"], autocommit=True,
                                        connect_timeout=p["timeout"], read_timeout=p["timeout"],
                                        write_timeout=p["timeout"])
        return self.conn

    def drop(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None

    def write(self, run, n):
        started = time.time()
        try:
            with self.connect().cursor() as cur:
                cur.execute("INSERT INTO `%s` (run, n) VALUES (%%s, %%s)" % self.params["table"], (run, n))
            ok = True
        except Exception:  # refused, timed out, the node went away: not acknowledged
            self.drop()
            ok = False
        return {"t": round(started, 3), "ok": ok, "ms": int(round((time.time() - started) * 1000)), "n": n}

    def read_back(self, run):
        """The run's numbers, read in a transaction (so through ProxySQL from the writer)."""
        conn = self.connect()
        conn.begin()
        with conn.cursor() as cur:
            cur.execute("SELECT n FROM `%s` WHERE run = %%s" % self.params["table"], (run,))
            present = set(row[0] for row in cur.fetchall())
        conn.commit()
        return present

    def forget(self, run):
        with self.connect().cursor() as cur:
            cur.execute("DELETE FROM `%s` WHERE run = %%s" % self.params["table"], (run,))


def main():
    module = AnsibleModule(argument_spec=dict(
        login_host=dict(type="str", default="127.0.0.1"), login_port=dict(type="int", default=6033),
        login_user=dict(type="str", required=True), login_password=dict(type="str", required=True, no_log=True),
        database=dict(type="str", required=True), table=dict(type="str", default="hastack_failover_test"),
        rate=dict(type="float", default=10), duration=dict(type="float", required=True),
        timeout=dict(type="float", default=2), settle=dict(type="float", default=60)), supports_check_mode=False)
    params = module.params
    if pymysql is None:
        module.fail_json(msg=missing_required_lib("PyMySQL"), exception=PYMYSQL_ERROR)
    problem = rate_problem(params["rate"], params["duration"], params["timeout"])
    if problem:
        module.fail_json(msg=problem)
    if not params["table"].replace("_", "").isalnum():
        module.fail_json(msg="table must be letters, digits and underscores, not %r" % params["table"])
    writer = Writer(params)
    try:
        with writer.connect().cursor() as cur:
            cur.execute(SCHEMA.format(table=params["table"]))
    except Exception as exc:
        module.fail_json(msg="cannot create %s.%s through %s:%d before the trial: %s" % (
            params["database"], params["table"], params["login_host"], params["login_port"], exc))
    run = uuid.uuid4().hex[:16]
    samples = paced(params["rate"], params["duration"], lambda n: writer.write(run, n))
    present, deadline = None, time.monotonic() + params["settle"]
    while present is None and time.monotonic() < deadline:
        try:
            present = writer.read_back(run)
            writer.forget(run)
        except Exception:
            writer.drop()
            time.sleep(1)
    outcome = write_outcome(samples, present)
    module.exit_json(changed=True, samples=samples, requests=len(samples),
                     failures=sum(1 for sample in samples if not sample["ok"]), run=run, **outcome)


if __name__ == "__main__":
    main()
