"""Server stand-ins: one systemd container per name the caller gives (the video servers in NetBox:
`sharpeyes.lab.control` reads them; this module never reads NetBox).

Run options are the ones that work on this machine (LAB-NOTES): `--privileged` fails, so
SYS_ADMIN + host cgroup namespace + read-only /sys/fs/cgroup + tmpfs /run, /run/lock, /tmp.
Containers carry the label `sharpeyes.lab=host` (servers) or `sharpeyes.lab=bare` (bare hosts for
`ops bootstrap`); `down` removes exactly those and stops dockerd only when the lab started it.

Reached over SSH like production (`sharpeyes.lab.ssh`): each container publishes its sshd on
127.0.0.1:<port> (recorded in the state dir); a server gets the ops account with the lab's key and
passwordless sudo, a bare host only root with a one-time key; the lab's known_hosts holds every
container's host keys.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import docker
from docker.errors import DockerException, NotFound
from docker.models.containers import Container

from sharpeyes.errors import LabError
from sharpeyes.lab import dockerd, images, ssh
from sharpeyes.lab.parts import PartResult

log = logging.getLogger(__name__)

LABEL = "sharpeyes.lab"
LABEL_VALUE = "host"
BARE = "bare"  # label value of bare hosts (no Python, no ops account)
IMAGE_LABEL = "sharpeyes.distro"
DEFAULT_DISTRO = "debian12"
BOOT_TIMEOUT_S = 180


def distro_for(name: str, default: str | None = None) -> str:
    """Image distro for a host: SHARPEYES_LAB_HOST_IMAGES="name=distro,..." per name, then
    SHARPEYES_LAB_HOST_IMAGE for all, then `default`, then debian12."""
    for item in os.environ.get("SHARPEYES_LAB_HOST_IMAGES", "").split(","):
        key, _, value = item.partition("=")
        if key.strip() == name and value.strip():
            return value.strip()
    return os.environ.get("SHARPEYES_LAB_HOST_IMAGE") or default or DEFAULT_DISTRO


def _distro(name: str, distro: str | None, kind: str) -> str:
    """A bare host's image is the caller's; a server's follows `distro_for` (env overrides)."""
    return distro if kind == BARE and distro else distro_for(name, distro)


# SYS_ADMIN for systemd as PID 1; NET_ADMIN for the firewall role's nftables (the container's own
# network namespace only: the host's rules are out of its reach).
CAPABILITIES = ("SYS_ADMIN", "NET_ADMIN")


def run_options(
    name: str, image: str, distro: str, ssh_port: int | None = None, kind: str = LABEL_VALUE
) -> dict[str, Any]:
    """Keyword arguments for `containers.create`: a systemd host without --privileged, its sshd
    published on 127.0.0.1:`ssh_port` only."""
    return {
        "image": image,
        "command": ["/lib/systemd/systemd"],
        "name": name,
        "hostname": name,
        "detach": True,
        "cap_add": list(CAPABILITIES),
        "cgroupns": "host",
        "volumes": {"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "ro"}},
        "tmpfs": {"/run": "rw,mode=755", "/run/lock": "rw", "/tmp": "rw,exec,mode=1777"},
        "stop_signal": "SIGRTMIN+3",
        "environment": {"container": "docker"},
        "labels": {LABEL: kind, IMAGE_LABEL: distro},
        "ports": {} if ssh_port is None else {"22/tcp": (ssh.ADDRESS, ssh_port)},
    }


def _lab_containers(client: docker.DockerClient, kind: str = LABEL_VALUE) -> list[Container]:
    found = client.containers.list(all=True, filters={"label": f"{LABEL}={kind}"})
    return sorted(found, key=lambda c: c.name or "")


SYSTEMD_STATES = ("initializing", "starting", "running", "degraded", "maintenance", "stopping")


def exec_text(container: Container, cmd: list[str]) -> tuple[int, str]:
    """Run `cmd` in the container; exit code and decoded output (stdout + stderr)."""
    code, out = container.exec_run(cmd)
    data = out if isinstance(out, bytes) else b"".join(out)
    return -1 if code is None else int(code), data.decode(errors="replace").strip()


def _wait_booted(container: Container) -> tuple[str, str]:
    """systemd's state once it settles (running/degraded/...), plus failed units if any.

    Right after start the bus is not there yet ("Failed to connect to bus"): retry until it is.
    """
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    state = "no answer"
    while time.monotonic() < deadline:
        left = max(1, int(deadline - time.monotonic()))
        _code, out = exec_text(
            container, ["timeout", str(left), "systemctl", "is-system-running", "--wait"]
        )
        lines = out.splitlines()
        state = lines[-1] if lines else "no answer"
        if state in SYSTEMD_STATES and state not in ("initializing", "starting"):
            break
        time.sleep(0.5)
    failed = ""
    if state != "running":
        _code, out = exec_text(container, ["systemctl", "--failed", "--plain", "--no-legend"])
        failed = " ".join(line.split()[0] for line in out.splitlines() if line.strip())
    return state, failed


def up(
    names: Sequence[str], distro: str | None = None, kind: str = LABEL_VALUE
) -> list[PartResult]:
    """Start one systemd container per name (idempotent); wait for systemd; make SSH work.

    `kind` "host": a server with the ops account; "bare": root reachable only with the one-time
    bootstrap key (installed when the container is created). A container whose image or SSH port
    is not the wanted one is recreated. Afterwards the lab known_hosts lists every lab container.

    One result per name, in order: started (created, started, recreated or its ops account
    repaired) or already running; detail = SSH address, image, systemd state.
    On failure, removes the containers this call created and stops dockerd if it started it.
    """
    t0 = time.monotonic()
    wanted = list(names)
    client, started_daemon = dockerd.ensure_daemon()
    created: list[Container] = []
    touched: list[bool] = []
    notes: list[str] = []
    ports = ssh.ports_for(wanted)
    ops_key = ssh.ensure_key(ssh.ops_key(), f"{ssh.OPS_USER}@sharpeyes-lab")
    root_key = ssh.ensure_key(ssh.bootstrap_key(), "root-bootstrap@sharpeyes-lab")
    try:
        for d in sorted({_distro(n, distro, kind) for n in wanted}):
            line, timings = images.ensure_image(client, d)
            if timings:  # built or imported now, not already up to date
                log.info("%s", line)
        to_wait: list[Container] = []
        for name in wanted:
            d = _distro(name, distro, kind)
            container = _get(client, name)
            if container is not None and container.labels.get(LABEL) != kind:
                raise LabError(
                    f"container {name} exists but is not a lab {kind}",
                    hint=f"remove it (docker rm -f {name}) or rename the server",
                )
            note = ""
            if container is not None:
                note = _outdated(client, container, images.image_ref(d), ports[name])
                if note:
                    log.info("%s: recreating (%s)", name, note)
                    container.remove(force=True)
                    container = None
            fresh = container is None
            if container is None:
                opts = run_options(name, images.image_ref(d), d, ports[name], kind)
                container = client.containers.create(**opts)
                created.append(container)
            container.reload()
            touched.append(fresh or container.status != "running")
            notes.append(note)
            if container.status != "running":
                container.start()
            to_wait.append(container)
        with ThreadPoolExecutor(max_workers=max(1, len(to_wait))) as pool:
            states = list(pool.map(_wait_booted, to_wait))
        for i, container in enumerate(to_wait):
            if kind == LABEL_VALUE:
                touched[i] = ssh.ensure_ops_account(container, ops_key) or touched[i]
            elif container in created:
                ssh.install_root_key(container, root_key)
        refresh_known_hosts(client)
    except DockerException as exc:
        _rollback(created, started_daemon)
        raise LabError(f"docker refused a lab host: {exc}", hint="see `docker ps -a`") from exc
    except BaseException:
        _rollback(created, started_daemon)
        raise
    results = [
        PartResult(
            part="hosts" if kind == LABEL_VALUE else kind,
            name=name,
            state="started" if changed else "already running",
            detail=f"ssh {ssh.ADDRESS}:{ports[name]}, "
            f"{container.attrs.get('Config', {}).get('Image', '')}, systemd {state}"
            + (f" (failed: {failed})" if failed else "")
            + (f"; recreated: {note}" if note else ""),
        )
        for name, container, changed, note, (state, failed) in zip(
            wanted, to_wait, touched, notes, states, strict=True
        )
    ]
    started = sum(r.started for r in results)
    log.info(
        "%d lab %s containers up (%d started) in %.0f s",
        len(results),
        kind,
        started,
        time.monotonic() - t0,
    )
    return results


def _outdated(client: docker.DockerClient, container: Container, ref: str, port: int) -> str:
    """Why an existing container must be recreated ("" when it is fine as it is)."""
    if ssh.published_port(container) != port:
        return f"SSH not published on {ssh.ADDRESS}:{port}"
    caps = set(container.attrs.get("HostConfig", {}).get("CapAdd") or [])
    if not {f"CAP_{c}" for c in CAPABILITIES} <= {
        c if c.startswith("CAP_") else f"CAP_{c}" for c in caps
    }:
        return f"capabilities {', '.join(CAPABILITIES)} not all granted"
    try:
        current = client.images.get(ref).id
    except DockerException:
        return ""
    return "" if container.image is None or container.image.id == current else f"{ref} rebuilt"


def refresh_known_hosts(client: docker.DockerClient) -> bool:
    """Rewrite the lab known_hosts from every running lab container's host keys."""
    entries: dict[int, list[str]] = {}
    for kind in (LABEL_VALUE, BARE):
        for container in _lab_containers(client, kind):
            port = ssh.published_port(container)
            if port is not None and container.status == "running":
                entries[port] = ssh.host_keys(container)
    return ssh.write_known_hosts(entries)


def _get(client: docker.DockerClient, name: str) -> Container | None:
    try:
        return client.containers.get(name)
    except NotFound:
        return None


def _rollback(created: list[Container], started_daemon: bool) -> None:
    for container in created:
        try:
            container.remove(force=True)
        except DockerException as exc:
            log.warning("rollback: could not remove %s: %s", container.name, exc)
    if started_daemon:
        dockerd.stop_daemon_if_ours()


def down(names: list[str] | None = None, kind: str = LABEL_VALUE) -> list[str]:
    """Remove the lab's `kind` containers (or only `names`); stop dockerd if the lab started it.

    With `names`, dockerd is left running.
    """
    client = dockerd.try_client()
    lines: list[str] = []
    if client is not None:
        targets = [
            c for c in _lab_containers(client, kind) if names is None or c.name in set(names)
        ]
        for container in targets:
            container.remove(force=True)
        refresh_known_hosts(client)
        lines.append(f"{len(targets)} {kind} containers removed")
    else:
        lines.append("docker not running: no host containers")
    if names is None and dockerd.started_by_lab() is not None:
        others = client.containers.list() if client is not None else []
        if others:  # e.g. Molecule scenarios: their containers would die with the daemon
            lines.append(f"dockerd left running: {len(others)} other container(s) use it")
        else:
            lines.append(dockerd.stop_daemon_if_ours() or "dockerd already stopped")
    return lines


def status(kind: str = LABEL_VALUE) -> dict[str, Any]:
    """`{"docker": bool, "hosts": [{"name", "image", "running", "ssh"}, ...]}`; never raises.

    `ssh` is "127.0.0.1:<port>" (or "" when the container publishes none).
    """
    client = dockerd.try_client()
    if client is None:
        return {"docker": False, "hosts": []}
    try:
        hosts = [
            {
                "name": c.name,
                "image": c.attrs.get("Config", {}).get("Image", ""),
                "running": c.status == "running",
                "ssh": f"{ssh.ADDRESS}:{port}" if (port := ssh.published_port(c)) else "",
            }
            for c in _lab_containers(client, kind)
        ]
    except DockerException as exc:
        log.debug("docker status failed: %s", exc)
        return {"docker": False, "hosts": []}
    return {"docker": True, "hosts": hosts}


def build_images(force: bool = False) -> list[str]:
    """Build the three systemd images (delegates to `sharpeyes.lab.images`)."""
    return images.build_images(force=force)


def image_ref(distro: str) -> str:
    return images.image_ref(distro)
