"""The balancer failover experiment (the paper's section IV), on the local lab.

    tools/lab experiment failover [--trials 50] [--faults hard-kill,graceful-stop,haproxy-kill,network-cut]
                              [--arms tuned,default] [--soak 600] [--soak-arms tuned]
                              [--check] [--out docs/results/<date>/balancer-failover]

For each arm and each fault kind, it runs N trials. The arms (hastack_lab.measure.balancers):
tuned, the collection's keepalived settings (advert_int 0.1, niceness -20); fast, the
option of advert_int 0.03 at real-time priority; fast-normal-priority, that without it;
default, keepalived's own (advert_int 1).
A trial probes the VIP every millisecond (a new TCP connection each time, 100 ms timeout,
path /haproxy-alive, which HAProxy answers itself), injects the fault into whichever
balancer holds the VIP, keeps probing, then repairs the balancer and waits until it is a
healthy backup again. The downtime of a trial is the longest gap between good answers
after the fault. Beside the probe, an ordinary client (standard TCP, 5 s timeout) counts
the requests it lost. A network cut drops every frame to and from the balancer on the
host's bridges (ebtables), with its links left up. Preemption is off in every arm, so a
repaired node never takes the VIP back in the middle of the next trial.

Then one soak per --soak-arms: stress-ng on the VIP holder while the site experiment's
stream runs, no fault; every VRRP transition is a false failover. The site configuration
is restored at the end. --check: exit 1 on a broken promise (hastack_lab.probe).

Writes report.md, results.json and one timeline PNG per fault kind to --out.
Runs only against the lab (its containers and its VIP); loops are bounded.
"""

from __future__ import annotations

import asyncio

from .. import probe as fl
from ..experiment import Frame
from ..labenv import lab
from ..labnet import ensure_ebtables
from ..measure import balancers
from ..measure.balancers import ARMS, FAULTS, STRESS
from ..reports import failover as failover_report


def main(argv: list[str] | None = None) -> int:
    frame = Frame("failover", __doc__, "balancer-failover", failover_report.render)
    frame.add("--trials", type=int, default=50)
    frame.add_list("--faults", FAULTS, "what happens to the VIP holder")
    frame.add_list("--arms", ARMS, "keepalived settings, side by side", default=["tuned", "default"])
    frame.add("--soak", type=int, default=600, metavar="SECONDS",
              help="after the trials: SECONDS of CPU and disk load on the VIP holder while the site's stream "
                   "runs, no faults, counting spurious VRRP transitions (0: no soak)")
    frame.add_list("--soak-arms", ARMS, "the settings each soak runs with, one soak each", default=["tuned"])
    frame.add("--check", action="store_true", help="exit 1 when the run breaks a promise (probe.broken_promises); "
                                                   "the report lists them. `make failover-check` (in CI) uses it")
    args = frame.parse(argv)
    if args.report_only:
        data = frame.load()
        data["faults"] = [f for f in FAULTS if any(r["fault"] == f for r in data["results"])]
        data["plots"] = {f: "timeline-%s.png" % f for f in data["faults"] if (args.out / ("timeline-%s.png" % f)).exists()}
        return end(frame, data, args.check)
    env = lab()
    if "network-cut" in args.faults:
        ensure_ebtables()
    data = frame.begin(trials=args.trials, faults=args.faults, arms={a: ARMS[a] for a in args.arms}, results=[],
                       realtime={}, soaks={})
    timelines: dict = {}
    balancers.repair_all(env)  # a previous, interrupted run may have left a balancer down
    balancers.wait_healthy(env)
    try:
        for arm in (args.arms if args.trials else []):
            print("configuring the %s arm: %s" % (arm, ARMS[arm]), flush=True)
            balancers.configure(ARMS[arm])
            balancers.wait_healthy(env)
            data["realtime"][arm] = balancers.realtime(env)
            for fault in args.faults:
                runs = []
                for n in range(args.trials):
                    runs.append(asyncio.run(balancers.trial(env, fault, arm)))
                    balancers.wait_healthy(env)
                    data["results"].append(runs[-1][0])
                    print("%-8s %-13s %2d/%d %s" % (arm, fault, n + 1, args.trials, fl.trial_line(runs[-1][0])),
                          flush=True)
                if fl.median_trial(runs):
                    timelines.setdefault(fault, {})[arm] = fl.median_trial(runs)
        for arm in (args.soak_arms if args.soak else []):
            print("soak, %s: %d s of %s and the site's stream, no faults" % (arm, args.soak, " ".join(STRESS)))
            balancers.configure(ARMS[arm])
            balancers.wait_healthy(env)
            data["soaks"][arm] = asyncio.run(balancers.soak(env, args.soak))
    finally:
        print("restoring the site configuration", flush=True)
        balancers.repair_all(env)
        balancers.wait_healthy(env)
        balancers.configure(None)
    plots = {fault: failover_report.plot(args.out, fault, arms) for fault, arms in timelines.items()}
    data["plots"] = {fault: name for fault, name in plots.items() if name}
    return end(frame, data, args.check)


def end(frame: Frame, data: dict, check: bool) -> int:
    """The promises checked (with --check), results.json and report.md written, the verdict."""
    data.pop("broken_promises", None)
    if check:
        data["broken_promises"] = fl.broken_promises(data["results"], data["faults"], list(data["arms"]),
                                                     soaks=data.get("soaks"))
    frame.save(data)
    return frame.finish(data.get("broken_promises"))
