"""The hastack local lab: the paper's seven servers as systemd containers.

    tools/lab up       install/start Docker if needed, build the base image, create
                       the lab networks and one container per inventory host
    tools/lab status   show each container, its addresses and systemd state
    tools/lab where    where to look once deployed: the VIP's URLs, ProxySQL's state
    tools/lab down     remove the containers, networks and .lab/ (--image: the image too)
    tools/lab image    only build (or check) the base image
    tools/lab create   one container with the lab's settings (Molecule uses this)

The lab's topology is the lab inventory (inventory/lab/): every host there gets a
container named <lab_container_prefix><host> on the networks of `lab_networks`, with
the addresses the inventory gives it. `up` is idempotent: what exists and matches is
left alone; what exists and does not match is reported, never silently replaced.

Runs with the project's virtualenv (it needs PyYAML). Only the docker CLI is used.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import yaml

from . import ROOT
from .cluster import LAB_INVENTORY, Cluster, InventoryError, hosts_from_listing, list_inventory
from .host import HostError, is_root_on_debian
from .host import apt_install as _apt_install
from .takeover import foreign_container

INVENTORY = LAB_INVENTORY
DOCKERD_LOG = Path("/var/log/hastack-lab-dockerd.log")

SUITE = "bookworm"
# What the base image holds: enough for systemd, Ansible (python3, python3-apt for
# the apt module's check mode) and debugging. Role packages are NOT baked in: the
# roles' install tasks must run (and be tested) in every lab and Molecule run.
IMAGE_PACKAGES = [
    "python3",
    "python3-apt",
    "systemd",
    "systemd-sysv",
    "dbus",
    "iproute2",
    "procps",
    "sudo",
    "ca-certificates",
]
# Units that make no sense in a container and only slow boot or log noise.
IMAGE_MASKED_UNITS = [
    "getty.target",
    "console-getty.service",
    "systemd-firstboot.service",
    "systemd-udevd.service",
    "systemd-udev-trigger.service",
    "systemd-modules-load.service",
    "sys-kernel-config.mount",
    "sys-kernel-debug.mount",
    "sys-kernel-tracing.mount",
]
CONTAINER_SETTINGS = Path(__file__).resolve().parent / "lab-container.yml"
# Per-container files the lab keeps on this machine (removed by `tools/lab down`).
LAB_STATE = ROOT / ".lab"
LAB_LABEL = "hastack.lab"


def container_settings() -> dict:
    """The container settings shared with Molecule (tools/hastack_lab/lab-container.yml)."""
    return yaml.safe_load(CONTAINER_SETTINGS.read_text())


def container_args(settings: dict) -> list[str]:
    """`docker create` arguments for the shared settings."""
    args = []
    for cap in settings["capabilities"]:
        args += ["--cap-add", cap]
    for opt in settings["security_opts"]:
        args += ["--security-opt", opt]
    args.append(f"--cgroupns={settings['cgroupns_mode']}")
    for vol in settings["volumes"]:
        args += ["-v", vol]
    for path in settings["tmpfs"]:
        args += ["--tmpfs", path]
    for key, value in settings["env"].items():
        args += ["-e", f"{key}={value}"]
    args += ["--stop-signal", settings["stop_signal"], "--stop-timeout", str(settings["stop_timeout"])]
    return args


# cgroup v1's cpu hierarchy, where the kernel gives real-time tasks a budget per cgroup
# (RT_GROUP_SCHED); Docker's cgroupfs driver puts every container under docker/.
CPU_CGROUP = Path("/sys/fs/cgroup/cpu")
DOCKER_RT_RUNTIME_US = 900000  # of each second, for real-time tasks in all containers together


def realtime_budget(parent_us: int | None, used_us: int, wanted_us: int) -> tuple[bool, str]:
    """Whether a new container can get wanted_us of real-time runtime, and why not.

    parent_us: Docker's cgroup budget (None: the kernel has no per-cgroup budget, and
    real-time priority needs only the capability); used_us: what its containers hold."""
    if parent_us is None or wanted_us <= 0:
        return False, ""
    free = parent_us - used_us
    if free >= wanted_us:
        return True, ""
    return False, (f"Docker's cgroup has {max(free, 0)} us of real-time runtime left, not {wanted_us}: the "
                   "container's keepalived will run without real-time priority (see docs/lab.md)")


def _read_us(path: Path) -> int:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return 0


def realtime_wanted(setting: int | dict | None, groups: Iterable[str]) -> int:
    """The real-time budget (us per second) lab-container.yml gives a container whose host
    is in `groups`: the largest of its groups', else `default`; a plain number for all."""
    if not isinstance(setting, dict):
        return int(setting or 0)
    found = [int(setting[g]) for g in groups if g in setting]
    return max(found) if found else int(setting.get("default", 0))


def realtime_args(settings: dict, groups: Iterable[str] = ()) -> list[str]:
    """`docker create` arguments that give a new container its real-time budget, where the
    kernel wants one. As root, Docker's own cgroup gets DOCKER_RT_RUNTIME_US first (a daemon
    started without --cpu-rt-runtime gives it none)."""
    wanted = realtime_wanted(settings.get("realtime_runtime_us"), groups)
    if not (CPU_CGROUP / "cpu.rt_runtime_us").exists() or wanted <= 0:
        return []
    parent = CPU_CGROUP / "docker"
    if os.geteuid() == 0 and _read_us(parent / "cpu.rt_runtime_us") < DOCKER_RT_RUNTIME_US:
        try:
            parent.mkdir(exist_ok=True)
            (parent / "cpu.rt_runtime_us").write_text(str(DOCKER_RT_RUNTIME_US))
        except OSError as err:
            log(f"could not give Docker's cgroup a real-time budget: {err}")
    used = sum(_read_us(child / "cpu.rt_runtime_us") for child in parent.glob("*/"))
    ok, why = realtime_budget(_read_us(parent / "cpu.rt_runtime_us"), used, wanted)
    if why:
        log(why)
    return ["--cpu-rt-runtime", str(wanted)] if ok else []


IMAGE = os.environ.get("HASTACK_LAB_IMAGE", container_settings()["image"])
# Bump when customise_rootfs() changes, so `up` rebuilds stale images.
IMAGE_REVISION = "5"


class LabError(HostError):
    """A problem the user has to fix; printed without a traceback."""


def log(msg: str) -> None:
    print(f"lab: {msg}", flush=True)


def run(cmd: list[str], *, check: bool = True, capture: bool = True,
        input_bytes: bytes | None = None, timeout: float | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, input=input_bytes, capture_output=capture, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip() if capture else ""
        raise LabError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}): {err}")
    return proc


def out(cmd: list[str], **kw) -> str:
    return run(cmd, **kw).stdout.decode().strip()


# ---------------------------------------------------------------- topology

def load_topology(inventory: Path = INVENTORY) -> dict:
    """The lab inventory (or a copy of it, grown or shrunk) as the lab needs it: {prefix,
    networks, hosts: {name: {groups, vars, addresses}}}, read by the tools' one inventory
    reader (hastack_lab.cluster)."""
    try:
        hosts = hosts_from_listing(list_inventory(inventory))
    except InventoryError as exc:
        raise LabError(str(exc)) from exc
    if not hosts:
        raise LabError(f"{inventory} has no hosts")
    lab_vars = next(iter(hosts.values())).vars
    if "lab_networks" not in lab_vars or "lab_container_prefix" not in lab_vars:
        raise LabError(f"{inventory}/group_vars/all/lab.yml must set lab_networks and lab_container_prefix")
    networks = lab_vars["lab_networks"]
    topology: dict[str, dict] = {}
    for name, host in hosts.items():
        addresses = {key: host.vars[net["address_var"]] for key, net in networks.items()
                     if net["address_var"] in host.vars}
        if "private" not in addresses:
            raise LabError(f"host {name} in {inventory} has no {networks['private']['address_var']}")
        # Each host names its container itself: a group-level "{{ inventory_hostname }}"
        # template would resolve to the wrong host when a task is delegated.
        container = lab_vars["lab_container_prefix"] + name
        if host.vars.get("ansible_host") != container:
            raise LabError(f"host {name} in {inventory} needs ansible_host: {container}")
        topology[name] = {"groups": list(host.groups), "vars": host.vars, "addresses": addresses}
    return {"prefix": lab_vars["lab_container_prefix"], "networks": networks, "hosts": topology}


# ---------------------------------------------------------------- docker

def docker_works() -> bool:
    if shutil.which("docker") is None:
        return False
    return run(["docker", "info", "--format", "{{.ServerVersion}}"], check=False, timeout=30).returncode == 0


def apt_install(packages: list[str]) -> None:
    _apt_install(packages, log)


def ensure_docker() -> None:
    if docker_works():
        return
    if shutil.which("dockerd") is None:
        if not is_root_on_debian():
            raise LabError(
                "no Docker daemon is reachable and dockerd is not installed. Install Docker "
                "(Debian/Ubuntu: `apt-get install docker.io`), start it, and make sure this "
                "user may use it (root or the docker group); then run `tools/lab up` again.")
        apt_install(["docker.io"])
    if docker_works():
        return
    if Path("/run/systemd/system").is_dir():
        log("starting docker with systemctl")
        run(["systemctl", "start", "docker"])
    elif os.geteuid() == 0:
        log(f"starting dockerd (no systemd here); its log is {DOCKERD_LOG}")
        logf = open(DOCKERD_LOG, "ab")  # noqa: SIM115 - handed to the daemon
        subprocess.Popen(["dockerd"], stdout=logf, stderr=logf, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    else:
        raise LabError("dockerd is installed but not running, and only root can start it here.")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if docker_works():
            log("docker is up")
            return
        time.sleep(1)
    raise LabError(f"dockerd did not come up within 90 s; see {DOCKERD_LOG}")


# ---------------------------------------------------------------- image

def host_debian_mirror() -> str:
    """The Debian mirror this machine's apt uses, so the image uses the same one."""
    sources = Path("/etc/apt/sources.list.d/debian.sources")
    if sources.exists():
        for stanza in sources.read_text().split("\n\n"):
            fields = dict(
                line.split(":", 1) for line in stanza.splitlines()
                if ":" in line and not line.startswith("#"))
            suites = fields.get("Suites", "").split()
            if SUITE in suites and "URIs" in fields:
                return fields["URIs"].split()[0].strip()
    legacy = Path("/etc/apt/sources.list")
    if legacy.exists():
        for line in legacy.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "deb" and parts[2] == SUITE:
                return parts[1]
    return os.environ.get("HASTACK_LAB_MIRROR", "http://deb.debian.org/debian")


def host_apt_sources() -> str | None:
    """The host's enabled Debian sources (deb822), copied into the image if present."""
    sources = Path("/etc/apt/sources.list.d/debian.sources")
    return sources.read_text() if sources.exists() else None


def image_recipe() -> str:
    recipe = "\n".join([IMAGE_REVISION, SUITE, *IMAGE_PACKAGES, *IMAGE_MASKED_UNITS, host_debian_mirror(),
                        host_apt_sources() or ""])
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


def image_current_recipe() -> str | None:
    proc = run(["docker", "image", "inspect", "--format",
                '{{ index .Config.Labels "hastack.recipe" }}', IMAGE], check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def ensure_image(force: bool = False) -> None:
    want = image_recipe()
    have = image_current_recipe()
    if have == want and not force:
        log(f"image {IMAGE} is up to date (recipe {want})")
        return
    if have is not None and not force:
        log(f"image {IMAGE} was built from another recipe ({have}); rebuilding")
    if shutil.which("debootstrap") is None:
        if not is_root_on_debian():
            raise LabError("debootstrap is needed to build the lab image: install it "
                           "(`apt-get install debootstrap`) and run `tools/lab up` again.")
        apt_install(["debootstrap"])
    mirror = host_debian_mirror()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hastack-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        log(f"debootstrap {SUITE} from {mirror} (about a minute)")
        proc = subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={','.join(IMAGE_PACKAGES)}",
             SUITE, str(rootfs), mirror], capture_output=True, check=False)
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr).decode(errors="replace")[-3000:]
            raise LabError(f"debootstrap failed:\n{tail}")
        customise_rootfs(rootfs)
        log(f"importing the root filesystem as {IMAGE}")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."],
                               stdout=subprocess.PIPE)
        imp = subprocess.run(
            ["docker", "import",
             "--change", 'CMD ["/lib/systemd/systemd"]',
             "--change", "ENV container=docker",
             "--change", f"LABEL hastack.recipe={want}",
             "-", IMAGE], stdin=tar.stdout, capture_output=True, check=False)
        tar.stdout.close()
        tar.wait()
        if imp.returncode != 0 or tar.returncode != 0:
            raise LabError(f"docker import failed: {imp.stderr.decode(errors='replace')}")
    read_apt_sources()
    # the image this one replaces, unless a container still uses it
    run(["docker", "image", "prune", "-f", "--filter", "label=hastack.recipe"], check=False)
    log(f"image {IMAGE} built in {time.monotonic() - started:.0f} s")


def read_apt_sources() -> None:
    """Give the image the package lists of every source it has (debootstrap's cover the
    suite alone, without security updates). Their date tells apt's cache_valid_time in the
    roles that they are current for an hour, so containers made from a new image do not
    each download them again; later, the roles refresh them as on any host. Lists only:
    the roles' packages are still installed, and so tested, by the roles."""
    log("reading the apt sources into the image (lists only, no packages)")
    name = "hastack-lab-apt-lists"
    run(["docker", "rm", "-f", name], check=False)
    try:
        run(["docker", "run", "--name", name, IMAGE, "apt-get", "-q", "update"], timeout=600)
        run(["docker", "commit", "--change", 'CMD ["/lib/systemd/systemd"]', name, IMAGE])
    finally:
        run(["docker", "rm", "-f", name], check=False)


def customise_rootfs(rootfs: Path) -> None:
    """Make the debootstrapped tree a good container image."""
    apt_sources = host_apt_sources()
    if apt_sources:
        (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
        (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(apt_sources)
    # systemd creates a fresh machine-id per container on first boot.
    (rootfs / "etc/machine-id").write_text("")
    (rootfs / "etc/hostname").unlink(missing_ok=True)
    for unit in IMAGE_MASKED_UNITS:
        link = rootfs / "etc/systemd/system" / unit
        link.unlink(missing_ok=True)
        link.symlink_to("/dev/null")
    # /proc/sys is writable in lab containers (systempaths=unconfined) so that per
    # network namespace net.* keys can be set. Everything else in /proc/sys belongs to
    # the host's kernel: at boot, apply only net.* keys from sysctl.d.
    dropin = rootfs / "etc/systemd/system/systemd-sysctl.service.d"
    dropin.mkdir(parents=True, exist_ok=True)
    (dropin / "hastack-lab.conf").write_text(
        "# hastack lab: never touch the host kernel's global settings from a container\n"
        "[Service]\nExecStart=\nExecStart=/lib/systemd/systemd-sysctl --prefix=/net/\n")
    shutil.rmtree(rootfs / "var/cache/apt/archives", ignore_errors=True)
    (rootfs / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)


# ---------------------------------------------------------------- networks and containers

def inspect(kind: str, name: str, fmt: str) -> str | None:
    proc = run(["docker", kind, "inspect", "--format", fmt, name], check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def ensure_networks(topo: dict) -> None:
    for net in topo["networks"].values():
        ensure_network(net["name"], net["subnet"], {LAB_LABEL: "1"})


def container_name(topo: dict, host: str) -> str:
    return f"{topo['prefix']}{host}"


def container_networks(name: str) -> dict[str, str]:
    fmt = "{{ range $k, $v := .NetworkSettings.Networks }}{{ $k }}={{ $v.IPAMConfig.IPv4Address }} {{ end }}"
    text = inspect("container", name, fmt) or ""
    return dict(item.split("=", 1) for item in text.split())


def container_hosts_file(name: str) -> str:
    """The file this machine mounts as the container's /etc/hosts ("" when none is)."""
    fmt = '{{ range .Mounts }}{{ if eq .Destination "/etc/hosts" }}{{ .Source }}{{ end }}{{ end }}'
    return inspect("container", name, fmt) or ""


def ensure_container(name: str, hostname: str, networks: dict[str, str],
                     labels: dict[str, str], groups: Iterable[str] = ()) -> str:
    """Create and start one systemd container attached to `networks` ({network: ip}).

    Idempotent: a running container with the same networks is left alone, a stopped one
    is started, one with other networks is an error (never silently replaced). One made by
    another checkout is replaced only when nothing can use it (takeover.foreign_container)
    and is an error otherwise.
    """
    state = inspect("container", name, "{{ .State.Status }}")
    if state is None:
        settings = container_settings()
        (first_net, first_ip), *others = networks.items()
        label_args = [arg for key, value in labels.items() for arg in ("--label", f"{key}={value}")]
        run(["docker", "create", "--name", name, "--hostname", hostname, *label_args,
             *container_args(settings), *realtime_args(settings, groups),
             "-v", f"{hosts_file(name, hostname, first_ip)}:/etc/hosts",
             "--network", first_net, "--ip", first_ip, IMAGE, settings["command"]])
        for net, addr in others:
            run(["docker", "network", "connect", "--ip", addr, net, name])
        run(["docker", "start", name])
        return "created"
    mounted = container_hosts_file(name)
    if mounted != str(LAB_STATE / name / "hosts"):
        # made by another checkout: its /etc/hosts (and its secrets) live there, and Docker
        # cannot start it once that checkout is gone
        decision = foreign_container(mounted, bool(mounted) and Path(mounted).exists(),
                                     state == "running", os.environ.get("CI", "").lower() in ("1", "true", "yes"))
        if not decision.replace:
            raise LabError(f"container {name}: {decision.why}")
        log(f"replacing container {name}: {decision.why}")
        run(["docker", "rm", "-f", name])
        return "re" + ensure_container(name, hostname, networks, labels, groups)
    have = container_networks(name)
    if have != networks:
        raise LabError(f"container {name} exists with networks {have}, wanted {networks}: "
                       f"remove it (`tools/lab down`, or `docker rm -f {name}`) and run again")
    if state != "running":
        run(["docker", "start", name])
        return "started"
    return "ok"


def hosts_file(name: str, hostname: str, address: str) -> Path:
    """The container's own /etc/hosts, kept on this machine. Docker rewrites the /etc/hosts
    it provides whenever a container starts, which dropped the cluster's names (written by
    the common role) from every lab node a fault experiment had restarted, until the next
    converge; a file the container mounts itself is left alone."""
    path = LAB_STATE / name / "hosts"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# hastack lab: this container's /etc/hosts (tools/lab); the common role fills it\n"
                        f"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                        f"{address}\t{hostname}\n")
    return path


def ensure_network(name: str, subnet: str, labels: dict[str, str]) -> None:
    have = inspect("network", name, "{{ (index .IPAM.Config 0).Subnet }}")
    if have is None:
        label_args = [arg for key, value in labels.items() for arg in ("--label", f"{key}={value}")]
        run(["docker", "network", "create", "--driver", "bridge", "--subnet", subnet, *label_args, name])
        log(f"network {name} {subnet} created")
    elif have != subnet:
        raise LabError(f"network {name} exists with subnet {have}, wanted {subnet}: "
                       f"remove it (`docker network rm {name}`) first")


def systemd_state(name: str) -> str:
    proc = run(["docker", "exec", name, "systemctl", "is-system-running"], check=False, timeout=30)
    return proc.stdout.decode().strip() or "unknown"


def wait_for_systemd(names: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending and time.monotonic() < deadline:
        for name in sorted(pending):
            if systemd_state(name) in ("running", "degraded"):
                pending.discard(name)
        if pending:
            time.sleep(1)
    if pending:
        raise LabError(f"systemd did not finish booting in {sorted(pending)} within {timeout:.0f} s "
                       f"(`docker exec <name> systemctl --failed` shows why)")


# The lab's secrets: random per checkout, generated by `up`, never committed. A key
# added here reaches existing checkouts on their next `up`; existing values stay.
LAB_SECRETS = ["haproxy_stats_password", "lab_galera_sst_password", "lab_galera_monitor_password",
               "lab_galera_app_password", "lab_proxysql_admin_password", "lab_proxysql_cluster_password"]


def ensure_secrets(inventory: Path = INVENTORY) -> None:
    path = inventory / "group_vars" / "all" / "secrets.yml"
    have = {}
    if path.exists():
        have = yaml.safe_load(path.read_text()) or {}
    missing = [key for key in LAB_SECRETS if not have.get(key)]
    if not missing and path.exists():
        return
    for key in missing:
        have[key] = secrets.token_urlsafe(24)
    body = ("---\n# Generated by `tools/lab up` for this checkout of the lab only (git-ignored).\n"
            "# Real inventories take these from a vault: see docs/inventory.md.\n"
            + yaml.safe_dump(have, default_flow_style=False, sort_keys=True))
    path.write_text(body)
    path.chmod(0o600)
    log(f"wrote {', '.join(missing) or 'no new'} secrets to {path}")


# ---------------------------------------------------------------- commands

def cmd_up(args: argparse.Namespace) -> None:
    started = time.monotonic()
    topo = load_topology(args.inventory)
    ensure_docker()
    ensure_image(force=args.rebuild)
    ensure_networks(topo)
    names = []
    nets = topo["networks"]
    for host, entry in topo["hosts"].items():
        # the private network first: it is eth0 in every container
        wanted = {nets[key]["name"]: addr for key, addr in
                  sorted(entry["addresses"].items(), key=lambda kv: kv[0] != "private")}
        result = ensure_container(container_name(topo, host), host, wanted,
                                  {LAB_LABEL: "1", f"{LAB_LABEL}.host": host}, entry["groups"])
        names.append(container_name(topo, host))
        log(f"{host:6} {result:8} {' '.join(entry['addresses'].values())}")
    wait_for_systemd(names)
    ensure_secrets(args.inventory)
    log(f"lab is up: {len(names)} containers in {time.monotonic() - started:.0f} s; "
        f"inventory: {args.inventory}/")


def cmd_status(_args: argparse.Namespace) -> None:
    topo = load_topology()
    if not docker_works():
        raise LabError("no Docker daemon is reachable; `tools/lab up` installs and starts one")
    print(f"{'host':6} {'container':14} {'state':9} {'systemd':10} addresses")
    missing = 0
    for host, entry in topo["hosts"].items():
        name = container_name(topo, host)
        state = inspect("container", name, "{{ .State.Status }}") or "absent"
        sysd = systemd_state(name) if state == "running" else "-"
        addrs = " ".join(container_networks(name).values()) if state != "absent" else \
            " ".join(entry["addresses"].values())
        print(f"{host:6} {name:14} {state:9} {sysd:10} {addrs}")
        missing += state != "running"
    if missing:
        sys.exit(3)


def proxysql_state(name: str) -> str:
    """What the proxysql role recorded on one web server (/etc/hastack/proxysql.json)."""
    proc = run(["docker", "exec", name, "cat", "/etc/hastack/proxysql.json"], check=False)
    if proc.returncode != 0:
        return "not deployed yet"
    state = json.loads(proc.stdout)
    if state.get("installed"):
        return f"ProxySQL {state.get('version') or '?'} ({state.get('source')}), reads and writes split"
    return f"ProxySQL NOT installed: {state.get('reason') or 'no reason recorded'}"


def cmd_where(_args: argparse.Namespace) -> None:
    """Where to look once the lab is deployed: the VIP's URLs, ProxySQL's state, the commands."""
    topo = load_topology()
    if not docker_works():
        raise LabError("no Docker daemon is reachable; `tools/lab up` installs and starts one")
    vip = Cluster.from_inventory(INVENTORY).vip
    print(f"""
The lab serves the demo application through the VIP, from this machine only:
  http://{vip}/                 which web server answered, the session's counter, the database nodes
  https://{vip}/                the same over TLS (the lab's own CA: curl -k, or trust it)
  http://{vip}/?format=json     the same as JSON, as the experiments read it""")
    for host, entry in topo["hosts"].items():
        if "webservers" in entry["groups"]:
            print(f"  {host:6} {proxysql_state(container_name(topo, host))}")
    print("""Look further:
  tools/lab status              the containers, their addresses and systemd state
  docker exec -it hastack-web1 bash
  make site-experiment          every server fails in turn under load (docs/results/)
  tools/lab down                remove the lab""")


def cmd_down(args: argparse.Namespace) -> None:
    if not docker_works():
        log("no Docker daemon is reachable: nothing to remove")
        return
    ids = out(["docker", "ps", "-aq", "--filter", f"label={LAB_LABEL}=1"]).split()
    if ids:
        run(["docker", "rm", "-f", *ids])
        log(f"removed {len(ids)} containers")
    nets = out(["docker", "network", "ls", "-q", "--filter", f"label={LAB_LABEL}=1"]).split()
    if nets:
        run(["docker", "network", "rm", *nets])
        log(f"removed {len(nets)} networks")
    if LAB_STATE.exists():
        shutil.rmtree(LAB_STATE)
        log(f"removed {LAB_STATE.relative_to(ROOT)}/")
    if args.image and image_current_recipe() is not None:
        run(["docker", "image", "rm", IMAGE])
        log(f"removed image {IMAGE}")


def cmd_create(args: argparse.Namespace) -> None:
    """One container with the lab's settings (Molecule's create playbook uses this)."""
    ensure_docker()
    ensure_image()
    labels = dict(item.split("=", 1) for item in args.label)
    for spec in args.subnet:
        net, cidr = spec.split("=", 1)
        ensure_network(net, cidr, labels)
    networks = dict(spec.split("=", 1) for spec in args.network)
    result = ensure_container(args.name, args.hostname or args.name, networks, labels)
    wait_for_systemd([args.name])
    log(f"{args.name} {result}")


def image_age_minutes() -> float | None:
    """Minutes since the image (and so its apt lists) was made; None without an image."""
    created = inspect("image", IMAGE, "{{ .Created }}")
    if not created:
        return None
    stamp = datetime.datetime.strptime(created[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return (datetime.datetime.now(datetime.timezone.utc) - stamp).total_seconds() / 60


def cmd_image(args: argparse.Namespace) -> None:
    ensure_docker()
    age = image_age_minutes() if args.lists_max_age else None
    stale = age is not None and age > args.lists_max_age
    if stale:
        log(f"the image's apt lists are {age:.0f} min old (more than {args.lists_max_age}): rebuilding, so the "
            "containers do not each download them again")
    ensure_image(force=args.rebuild or stale)


def add_commands(sub) -> dict:
    """The lab's own subcommands on `sub` (an argparse subparsers object); returns
    {command: handler}."""
    p_up = sub.add_parser("up", help="create or complete the lab (idempotent)")
    p_up.add_argument("--rebuild", action="store_true", help="rebuild the base image first")
    p_up.add_argument("--inventory", type=Path, default=INVENTORY, metavar="DIR",
                      help="a copy of the lab inventory with hosts added, to grow the lab without editing "
                           "inventory/lab (default: %(default)s)")
    sub.add_parser("status", help="show the lab's containers (exit 3 if any is not running)")
    sub.add_parser("where", help="where to look once deployed: the VIP's URLs and ProxySQL's state")
    p_down = sub.add_parser("down", help="remove the lab's containers and networks")
    p_down.add_argument("--image", action="store_true", help="remove the base image too")
    p_image = sub.add_parser("image", help="build the base image if it is missing or stale")
    p_image.add_argument("--rebuild", action="store_true", help="rebuild even if up to date")
    p_image.add_argument("--lists-max-age", type=int, default=0, metavar="MINUTES",
                         help="also rebuild when the image's apt lists are older (roles refresh lists "
                              "older than an hour, in every container)")
    p_create = sub.add_parser("create", help="one container with the lab's settings (for Molecule)")
    p_create.add_argument("name")
    p_create.add_argument("--hostname")
    p_create.add_argument("--network", action="append", required=True, metavar="NET=IP",
                          help="attach to NET with address IP (repeatable; the first is eth0)")
    p_create.add_argument("--subnet", action="append", default=[], metavar="NET=CIDR",
                          help="create NET with this subnet if it does not exist")
    p_create.add_argument("--label", action="append", default=[], metavar="KEY=VALUE")
    return {"up": cmd_up, "status": cmd_status, "where": cmd_where, "down": cmd_down, "image": cmd_image,
            "create": cmd_create}
