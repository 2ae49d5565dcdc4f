"""The Galera experiments, on the local lab: crash recovery, a node's death, a soak, a rolling restart.

    tools/lab experiment galera [--trials 10] [--kill-trials 5] [--soak 600]
                            [--parts crash,kill,soak,rolling] [--arms tuned,default]
                            [--soak-arms tuned] [--out docs/results/<date>/galera]

- crash:   writers on every node record each acknowledged insert; at a random moment every
           node is hard-killed (docker kill: a power cut). The containers start again, the
           recovery playbook (playbooks/galera_recover.yml) runs, and every acknowledged row
           must be there. Reports lost rows and the recovery time, per trial.
- kill:    one node (db3) loses power under write load (silenced on the host's bridges, then
           killed), with each of --arms side by side (the lab's settings, Galera's defaults,
           Galera's thread at real-time or normal priority): the write stall on the survivors,
           failed statements, lost acknowledged rows, and how the node rejoined (IST or SST).
- soak:    SECONDS of stress-ng CPU and IO load on every node (or --soak-nodes), with writers
           running, and no fault, once per --soak-arms: every suspicion or membership change
           in the journals is a false one.
- rolling: playbooks/rolling_restart.yml under read and write load: statements that failed
           against nodes that were not restarting at the time, and IST versus SST per node.

Writes report.md and results.json to --out. Runs only against the lab's database
containers, from this machine (the lab lets its gateway reach 3306); loops are bounded.
"""

from __future__ import annotations

import random
import time

from .. import galera as gl
from ..experiment import Frame, split_list
from ..galera import VICTIM
from ..labenv import lab
from ..labnet import ensure_ebtables
from ..measure import galera
from ..reports import galera as galera_report

PARTS = ["crash", "kill", "soak", "rolling"]


def main(argv: list[str] | None = None) -> int:
    frame = Frame("galera", __doc__, "galera", galera_report.render)
    frame.add("--trials", type=int, default=10, help="crash-recovery trials")
    frame.add("--kill-trials", type=int, default=5, help="single-node kills per arm")
    frame.add("--soak", type=int, default=600, metavar="SECONDS")
    frame.add("--soak-nodes", default="all", help="where stress-ng runs during the soak: all, or node names")
    frame.add_list("--parts", PARTS, "what to measure")
    frame.add_list("--arms", galera.ARMS, "the galera role's settings for the kill part, side by side",
                   default=["tuned", "default"])
    frame.add_list("--soak-arms", galera.ARMS, "the settings each soak runs with, one soak each", default=["tuned"])
    frame.add("--seed", type=int, default=None, help="of the crash trials' random load times (default: the clock)")
    args = frame.parse(argv)
    if args.report_only:
        frame.save(frame.load())
        return frame.finish(None)
    env = lab()
    nodes = env.of_kind("database")
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    data = frame.begin(seed=seed, arms=args.arms, settings={a: galera.ARMS[a] for a in args.arms + args.soak_arms})
    galera.start(env, nodes)  # an interrupted run may have left a node down
    gl.prepare_table(env, nodes[0])
    if "crash" in args.parts:
        data["crash"] = []
        for n in range(1, args.trials + 1):
            data["crash"].append(galera.crash_trial(env, n, rng))
            print("crash %d/%d: %s" % (n, args.trials, {k: v for k, v in data["crash"][-1].items() if k != "lost_rows"}),
                  flush=True)
            frame.save(data)
            if not data["crash"][-1]["recovered"]:
                print("recovery failed; stopping the crash trials", flush=True)
                break
    if "kill" in args.parts:
        ensure_ebtables()
        data["kill"] = []

        def kills(arm: str) -> None:
            for n in range(1, args.kill_trials + 1):
                data["kill"].append(galera.kill_trial(env, arm, n))
                print("kill %s %d/%d: %s" % (arm, n, args.kill_trials, data["kill"][-1]), flush=True)
                frame.save(data)
        try:
            galera.per_arm(args.arms, kills)
        finally:
            galera.start(env, [VICTIM])
            galera.wait_synced(env)
    if "soak" in args.parts and args.soak:
        data["soaks"] = {}
        stressed = nodes if args.soak_nodes == "all" else split_list(args.soak_nodes)

        def soak(arm: str) -> None:
            data["soaks"][arm] = galera.soak(env, args.soak, stressed)
            print("soak, %s: %s" % (arm, data["soaks"][arm]), flush=True)
            frame.save(data)
        galera.per_arm(args.soak_arms, soak)
    if "rolling" in args.parts:
        data["rolling"] = galera.rolling(env)
        print("rolling: %s" % data["rolling"], flush=True)
    frame.save(data)
    return frame.finish(None)
