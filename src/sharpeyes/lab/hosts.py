"""Server stand-ins: one systemd container per name the caller gives (the video servers in NetBox:
`sharpeyes.lab.control` reads them; this module never reads NetBox).

Run options are the ones that work on this machine (LAB-NOTES): `--privileged` fails, so
SYS_ADMIN + host cgroup namespace + read-only /sys/fs/cgroup + tmpfs /run, /run/lock, /tmp.
Containers carry the label `sharpeyes.lab=host`; `down` removes exactly those and stops dockerd
only when the lab started it. Reachable with Ansible's `community.docker.docker` connection and
pyinfra's `@docker/<name>` (which attaches to a running container).
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
from sharpeyes.lab import dockerd, images
from sharpeyes.lab.parts import PartResult

log = logging.getLogger(__name__)

LABEL = "sharpeyes.lab"
LABEL_VALUE = "host"
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


def run_options(name: str, image: str, distro: str) -> dict[str, Any]:
    """Keyword arguments for `containers.create`: a systemd host without --privileged."""
    return {
        "image": image,
        "command": ["/lib/systemd/systemd"],
        "name": name,
        "hostname": name,
        "detach": True,
        "cap_add": ["SYS_ADMIN"],
        "cgroupns": "host",
        "volumes": {"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "ro"}},
        "tmpfs": {"/run": "rw,mode=755", "/run/lock": "rw", "/tmp": "rw,exec,mode=1777"},
        "stop_signal": "SIGRTMIN+3",
        "environment": {"container": "docker"},
        "labels": {LABEL: LABEL_VALUE, IMAGE_LABEL: distro},
    }


def _lab_containers(client: docker.DockerClient) -> list[Container]:
    found = client.containers.list(all=True, filters={"label": f"{LABEL}={LABEL_VALUE}"})
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


def up(names: Sequence[str], distro: str | None = None) -> list[PartResult]:
    """Start one systemd container per name (idempotent); wait for systemd in each.

    One result per name, in order: started or already running, detail = image and systemd state
    ("systemd running", or e.g. "systemd degraded (failed: x.service)").
    On failure, removes the containers this call created and stops dockerd if it started it.
    """
    t0 = time.monotonic()
    wanted = list(names)
    client, started_daemon = dockerd.ensure_daemon()
    created: list[Container] = []
    was_running: list[bool] = []
    try:
        for d in sorted({distro_for(n, distro) for n in wanted}):
            line, timings = images.ensure_image(client, d)
            if timings:  # built or imported now, not already up to date
                log.info("%s", line)
        to_wait: list[Container] = []
        for name in wanted:
            container = _get(client, name)
            if container is not None and container.labels.get(LABEL) != LABEL_VALUE:
                raise LabError(
                    f"container {name} exists but is not a lab host",
                    hint=f"remove it (docker rm -f {name}) or rename the server",
                )
            if container is None:
                d = distro_for(name, distro)
                container = client.containers.create(**run_options(name, images.image_ref(d), d))
                created.append(container)
            container.reload()
            was_running.append(container.status == "running")
            if not was_running[-1]:
                container.start()
            to_wait.append(container)
        with ThreadPoolExecutor(max_workers=max(1, len(to_wait))) as pool:
            states = list(pool.map(_wait_booted, to_wait))
    except DockerException as exc:
        _rollback(created, started_daemon)
        raise LabError(f"docker refused a lab host: {exc}", hint="see `docker ps -a`") from exc
    except BaseException:
        _rollback(created, started_daemon)
        raise
    results = [
        PartResult(
            part="hosts",
            name=name,
            state="already running" if running else "started",
            detail=f"{container.attrs.get('Config', {}).get('Image', '')}, systemd {state}"
            + (f" (failed: {failed})" if failed else ""),
        )
        for name, container, running, (state, failed) in zip(
            wanted, to_wait, was_running, states, strict=True
        )
    ]
    started = sum(r.started for r in results)
    log.info("%d hosts up (%d started) in %.0f s", len(results), started, time.monotonic() - t0)
    return results


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


def down(names: list[str] | None = None) -> list[str]:
    """Remove the lab's host containers (or only `names`); stop dockerd if the lab started it.

    With `names`, dockerd is left running.
    """
    client = dockerd.try_client()
    lines: list[str] = []
    if client is not None:
        targets = [c for c in _lab_containers(client) if names is None or c.name in set(names)]
        for container in targets:
            container.remove(force=True)
        lines.append(f"{len(targets)} host containers removed")
    else:
        lines.append("docker not running: no host containers")
    if names is None and dockerd.started_by_lab() is not None:
        others = client.containers.list() if client is not None else []
        if others:  # e.g. Molecule scenarios: their containers would die with the daemon
            lines.append(f"dockerd left running: {len(others)} other container(s) use it")
        else:
            lines.append(dockerd.stop_daemon_if_ours() or "dockerd already stopped")
    return lines


def status() -> dict[str, Any]:
    """`{"docker": bool, "hosts": [{"name", "image", "running"}, ...]}`; never raises."""
    client = dockerd.try_client()
    if client is None:
        return {"docker": False, "hosts": []}
    try:
        hosts = [
            {
                "name": c.name,
                "image": c.attrs.get("Config", {}).get("Image", ""),
                "running": c.status == "running",
            }
            for c in _lab_containers(client)
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
