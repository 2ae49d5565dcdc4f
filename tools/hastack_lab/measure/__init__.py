"""The measurements the experiments are made of, one module per subject.

Each function acts on a deployed cluster (hastack_lab.cluster.Cluster) and returns plain
data for results.json; the experiments in hastack_lab.experiments only put them in order.
The arithmetic they share lives beside them, pure and tested: hastack_lab.site, probe,
galera, proxysql, cost and stats.
"""
