"""The RAID lab VM (`sharpeyes lab up raidvm`): real mdadm on real (emulated) disks.

The host kernel has no md module, so the RAID role is tested in a QEMU guest (TCG, no KVM here;
recipe in LAB-NOTES "RAID lab"). The VM stands in for one video server (`SERVER`, default
qxdc-vc10; SHARPEYES_RAIDVM_SERVER moves it): its 2 system and 15 data disks are virtio-scsi
`scsi-hd` devices carrying the serials NetBox holds for that server (inventory items of role
`disk-system` / `disk-data`; the dataset's when NetBox cannot be read), small sparse qcow2 files
(SHARPEYES_RAIDVM_DATA_DISK_BYTES sizes the data disks, e.g. 18000207937536 for real 18 TB
drives: qcow2, whose virtual size is not bound by the host's ext4 16 TiB file limit).

Image: debootstrap (minbase) Debian 12 with a kernel, mdadm and xfsprogs, a post-build script in a
chroot, then `mkfs.ext4 -d` (no loop device) into a sparse raw root; the kernel and initrd come
from the image's /boot and are booted with `-kernel/-initrd`. Cached under
`cache_dir()/vm/<recipe hash>/`, so a changed recipe (or a fresh machine) rebuilds it. Each VM
gets a qcow2 overlay on that root, so the cache is never written.

Per-VM facts are handed in through QEMU's fw_cfg (`opt/sharpeyes/seed`, a shell script the guest
runs at every boot before sshd): hostname, the SSH host key (generated here, so the lab's
known_hosts is written from a channel it trusts, never by trust-on-first-use), the ops account
with the lab key and passwordless sudo — the same account `sharpeyes.lab.ssh` gives containers.

4 NICs on QEMU user networking with `restrict=on` (no way out); the first (the management path,
10.0.2.0/24) forwards 127.0.0.1:<port> to the guest's port 22 and nothing else; the others sit on
networks of their own (10.0.3.0/24 ...), so a route that sends management traffic through them
really cuts it (the network role's rollback test). Disks are hot-pulled and inserted
through QMP (a unix socket): `pull_disk(n)`, `insert_disk(n, blank=..., serial=...)`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sharpeyes.errors import DependencyUnavailable, LabError
from sharpeyes.lab import images, inventory_layer, netbox, ssh
from sharpeyes.lab.parts import PartResult
from sharpeyes.lab.recipes import Recipe
from sharpeyes.paths import cache_dir, netbox_data_dir, state_dir
from sharpeyes.sot import client, loader

log = logging.getLogger(__name__)

PART = "raidvm"
DEFAULT_SERVER = "qxdc-vc10"
DATA_DISKS = 15
SYSTEM_DISKS = 2
DATA_DISK_MIB = 128  # sparse qcow2, small so resyncs and rebuilds take seconds
# An 18 TB drive as the estate's (35,156,656,128 LBAs of 512 bytes): a sparse qcow2 of this
# virtual size costs ~0.5 MiB on the host until written.
DRIVE_18TB_BYTES = 35_156_656_128 * 512
DATA_DISK_BYTES_ENV = "SHARPEYES_RAIDVM_DATA_DISK_BYTES"
SYSTEM2_MIB = 1024
ROOT_SIZE = "3G"  # the raw root is sparse: ~0.9 GiB used
MEMORY_MIB = 1024
CPUS = 1  # TCG: a second vCPU mostly adds RCU overhead on this 2-core, shared machine
NICS = 4
MAC_PREFIX = "52:54:00:5e:13:"
ROOT_LABEL = "sharpeyes-root"
BOOT_TIMEOUT_S = 300
QMP_TIMEOUT_S = 30
FW_CFG_SEED = "opt/sharpeyes/seed"
ROOT_OVERLAY = ("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b")

# Bump when the build procedure (not the data below) changes what the image contains.
BUILD_FORMAT = 1

VM_PACKAGES: tuple[str, ...] = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "udev",
    "kmod",
    "linux-image-amd64",
    "initramfs-tools",
    "python3",
    "python3-apt",
    "sudo",
    "iproute2",
    "iputils-ping",  # the network role's probe; the VM reaches no package mirror
    "procps",
    "netbase",
    "ca-certificates",
    "openssh-server",
    "mdadm",
    "xfsprogs",
    "e2fsprogs",
)

RECIPE = Recipe(
    distro="debian12-vm",
    family="debian",
    suite="bookworm",
    script="bookworm",
    packages=VM_PACKAGES,
)

KERNEL_ARGS = (
    f"root=LABEL={ROOT_LABEL} ro console=ttyS0 net.ifnames=1 systemd.show_status=0 panic=-1"
)

# Run in the chroot of the fresh root before it becomes an ext4 image.
POST_BUILD = r"""
set -eu
apt-get clean
rm -rf /var/lib/apt/lists/*
mkdir -p /var/lib/apt/lists/partial
touch -d '2000-01-01 00:00:00' /var/lib/apt/lists/partial /var/lib/apt/lists
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
systemctl set-default multi-user.target
printf 'LABEL=%s / ext4 errors=remount-ro 0 1\n' "$ROOT_LABEL" > /etc/fstab
echo raidvm > /etc/hostname
# The management NIC (first MAC) takes QEMU's DHCP; the other three stay unconfigured.
mkdir -p /etc/systemd/network
cat > /etc/systemd/network/10-mgmt.network <<EOF
[Match]
MACAddress=${MAC_PREFIX}01

[Network]
DHCP=ipv4
EOF
systemctl enable systemd-networkd.service
# Boot time under TCG: nothing the lab needs waits on these.
systemctl mask systemd-networkd-wait-online.service e2scrub_reap.service e2scrub_all.timer \
    apt-daily.timer apt-daily-upgrade.timer man-db.timer fstrim.timer
# A small initramfs (only what boots this VM; mdadm's hook adds the RAID modules): an
# `update-initramfs -u` takes a fraction of the time of MODULES=most under TCG.
printf 'MODULES=list\n' > /etc/initramfs-tools/conf.d/sharpeyes-lab.conf
printf '%s\n' virtio_pci virtio_scsi sd_mod scsi_mod ext4 virtio_net > /etc/initramfs-tools/modules
update-initramfs -u -k all
# Host keys and the ops account come from the lab through fw_cfg at every boot.
rm -f /etc/ssh/ssh_host_*
cat > /etc/systemd/system/sharpeyes-seed.service <<EOF
[Unit]
Description=Apply the sharpeyes lab seed (fw_cfg ${FW_CFG_SEED})
Before=ssh.service
After=local-fs.target

[Service]
Type=oneshot
ExecStartPre=/sbin/modprobe qemu_fw_cfg
ExecStart=/bin/sh /sys/firmware/qemu_fw_cfg/by_name/${FW_CFG_SEED}/raw

[Install]
WantedBy=multi-user.target
EOF
systemctl enable sharpeyes-seed.service
# A root with no password, a console for debugging through the serial log only.
passwd -d root >/dev/null
rm -rf /tmp/* /var/tmp/* /var/log/*.log /var/cache/debconf/*-old
"""

SEED = r"""#!/bin/sh
# sharpeyes lab seed (fw_cfg): hostname, SSH host key, the ops account. Idempotent.
set -eu
name='{name}'
echo "$name" > /etc/hostname
hostname "$name"
install -m 0600 /dev/null /etc/ssh/ssh_host_ed25519_key
cat > /etc/ssh/ssh_host_ed25519_key <<'KEY'
{host_key}KEY
echo '{host_pub}' > /etc/ssh/ssh_host_ed25519_key.pub
user='{user}'
id -u "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash \
    --comment "sharpeyes ops (lab)" "$user"
home=$(getent passwd "$user" | cut -d: -f6)
install -d -m 0700 -o "$user" -g "$user" "$home/.ssh"
echo '{ops_pub}' > "$home/.ssh/authorized_keys"
chown "$user:$user" "$home/.ssh/authorized_keys"
chmod 0600 "$home/.ssh/authorized_keys"
echo "$user ALL=(ALL:ALL) NOPASSWD: ALL" > '{sudoers}'
chmod 0440 '{sudoers}'
"""


def server() -> str:
    """The video server the VM stands in for (SHARPEYES_RAIDVM_SERVER, default qxdc-vc10)."""
    return os.environ.get("SHARPEYES_RAIDVM_SERVER") or DEFAULT_SERVER


def recipe_hash() -> str:
    blob = json.dumps(
        {
            "format": BUILD_FORMAT,
            "recipe": RECIPE.as_dict(),
            "post_build": POST_BUILD,
            "root_size": ROOT_SIZE,
            "root_label": ROOT_LABEL,
            "mac_prefix": MAC_PREFIX,
            "seed_path": FW_CFG_SEED,
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def image_dir() -> Path:
    """`cache_dir()/vm/<recipe hash>/` holding root.raw, vmlinuz, initrd.img."""
    return cache_dir() / "vm" / recipe_hash()


def vm_dir() -> Path:
    return state_dir() / PART


# --- the image ------------------------------------------------------------------------------


def _need(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        raise DependencyUnavailable(f"{tool} is not installed", hint=f"apt-get install {package}")


def _check(cmd: list[str], *, what: str, timeout: float = 600, **kw: Any) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, **kw)
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise LabError(f"{what} failed (exit {proc.returncode}): {tail}")
    return str(proc.stdout)


def ensure_image() -> tuple[Path, float | None]:
    """The cached image directory, built when missing; and the build time (None when cached)."""
    target = image_dir()
    if (target / "root.raw").is_file():
        return target, None
    for tool, package in (
        ("debootstrap", "debootstrap"),
        ("mkfs.ext4", "e2fsprogs"),
        ("qemu-img", "qemu-utils"),
    ):
        _need(tool, package)
    t0 = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="build-raidvm-", dir=target.parent) as tmp:
        work = Path(tmp)
        root = work / "root"
        images.debootstrap(RECIPE, root)
        log.info("raidvm image: debootstrap %.0f s", time.monotonic() - t0)
        script = POST_BUILD.replace("$ROOT_LABEL", ROOT_LABEL)
        script = script.replace("${MAC_PREFIX}", MAC_PREFIX).replace("${FW_CFG_SEED}", FW_CFG_SEED)
        _check(
            ["chroot", str(root), "/bin/sh", "-s"],
            what="raidvm post-build",
            input=script,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"},
        )
        out = work / "out"
        out.mkdir()
        kernels = sorted((root / "boot").glob("vmlinuz-*"))
        initrds = sorted((root / "boot").glob("initrd.img-*"))
        if not kernels or not initrds:
            raise LabError("raidvm image: no kernel or initrd in the image's /boot")
        shutil.copyfile(kernels[-1], out / "vmlinuz")
        shutil.copyfile(initrds[-1], out / "initrd.img")
        _check(
            [
                "mkfs.ext4",
                "-q",
                "-L",
                ROOT_LABEL,
                "-d",
                str(root),
                str(out / "root.raw"),
                ROOT_SIZE,
            ],
            what="mkfs.ext4 -d",
        )
        out.rename(target)
    took = time.monotonic() - t0
    (target / "build.json").write_text(json.dumps({"build_s": round(took, 1)}) + "\n")
    _prune(keep=target)
    log.info("raidvm image built in %.0f s (%s)", took, target)
    return target, took


def _prune(keep: Path) -> None:
    for other in keep.parent.iterdir():
        if other != keep and other.is_dir() and not other.name.startswith("build-"):
            shutil.rmtree(other, ignore_errors=True)


# --- disks and serials ----------------------------------------------------------------------


@dataclass(frozen=True)
class Disk:
    slot: int  # SCSI id: the first system disk (the root) 0, data disks 1..15, the second system 16
    serial: str
    role: str  # disk-data | disk-system
    name: str  # NetBox inventory item name

    @property
    def device_id(self) -> str:
        return f"disk{self.slot:02d}"


def _serials_from_netbox(name: str) -> list[Disk]:
    creds = netbox.credentials()
    api = client.connect(creds.url, creds.token)
    disks: list[Disk] = []
    for role in ("disk-data", "disk-system"):
        for item in api.dcim.inventory_items.filter(device=name, role=role):
            if item.serial:
                disks.append(Disk(0, str(item.serial), role, str(item.name)))
    return disks


def _serials_from_dataset(name: str) -> list[Disk]:
    dataset = loader.load_dataset(netbox_data_dir())
    disks: list[Disk] = []
    for obj in dataset.objects.get("dcim.inventory-items", []):
        data = obj.data
        role = data.get("role")
        role = role.get("slug") if isinstance(role, dict) else role
        device = data.get("device")
        device = device.get("name") if isinstance(device, dict) else device
        if device == name and role in ("disk-data", "disk-system") and data.get("serial"):
            disks.append(Disk(0, str(data["serial"]), str(role), str(data.get("name"))))
    return disks


def planned_disks(name: str) -> list[Disk]:
    """The server's system disk 1 (slot 0, the root), data disks (1..15, by item name), system
    disk 2 (slot 16)."""
    try:
        found = _serials_from_netbox(name)
        source = "NetBox"
    except Exception as exc:
        log.warning(
            "raidvm: reading %s's disks from NetBox failed (%s): using the dataset", name, exc
        )
        found = []
        source = "dataset"
    if not found:
        found = _serials_from_dataset(name)
        source = "dataset"
    data = sorted((d for d in found if d.role == "disk-data"), key=lambda d: d.name)
    system = sorted((d for d in found if d.role == "disk-system"), key=lambda d: d.name)
    if len(data) != DATA_DISKS or len(system) != SYSTEM_DISKS:
        raise LabError(
            f"raidvm: {source} lists {len(data)} data and {len(system)} system disks for {name}"
            f" (want {DATA_DISKS} and {SYSTEM_DISKS})"
        )
    log.info("raidvm: %s's disk serials from %s", name, source)
    out = [Disk(0, system[0].serial, system[0].role, system[0].name)]
    out += [Disk(i + 1, d.serial, d.role, d.name) for i, d in enumerate(data)]
    out.append(Disk(DATA_DISKS + 1, system[1].serial, system[1].role, system[1].name))
    return out


def _state_file() -> Path:
    return vm_dir() / "vm.json"


def load_state() -> dict[str, Any]:
    path = _state_file()
    return json.loads(path.read_text()) if path.is_file() else {}


def _save_state(state: dict[str, Any]) -> None:
    path = _state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".vm.json.tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)


def _disk_file(serial: str) -> Path:
    return vm_dir() / "disks" / f"{serial}.qcow2"


def data_disk_bytes() -> int:
    """Virtual size of new data disks: SHARPEYES_RAIDVM_DATA_DISK_BYTES, default 128 MiB."""
    raw = os.environ.get(DATA_DISK_BYTES_ENV, "").strip()
    if not raw:
        return DATA_DISK_MIB << 20
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size < 64 << 20 or size % 512:
        raise LabError(
            f"{DATA_DISK_BYTES_ENV}={raw!r}: want a byte count, a multiple of 512, at least 64 MiB"
            f" (an 18 TB drive: {DRIVE_18TB_BYTES})"
        )
    return size


def _disk_bytes(state: dict[str, Any], slot: int) -> int:
    if slot > DATA_DISKS:
        return SYSTEM2_MIB << 20
    return int(state.get("data_disk_bytes") or DATA_DISK_MIB << 20)


def _create_disk(path: Path, size: int) -> None:
    if path.is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    _check(["qemu-img", "create", "-q", "-f", "qcow2", str(path), str(size)], what="qemu-img")


# --- QEMU -----------------------------------------------------------------------------------


def _blockdev(node: str, path: Path) -> dict[str, Any]:
    return {
        "driver": "qcow2",
        "node-name": node,
        "file": {"driver": "file", "filename": str(path)},
    }


def _scsi_device(slot: int, serial: str) -> dict[str, Any]:
    return {
        "driver": "scsi-hd",
        "id": f"disk{slot:02d}",
        "bus": "scsi0.0",
        "scsi-id": slot,
        "lun": 0,
        "drive": f"node{slot:02d}",
        "serial": serial,
        "logical_block_size": 512,
        "physical_block_size": 4096,  # 512e, like the estate's 18 TB drives
    }


def _opts(d: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in d.items())


def qemu_command(image: Path, port: int, root_serial: str, slots: dict[int, str]) -> list[str]:
    """The qemu-system-x86_64 command line for the VM (slot -> serial of the disk inserted)."""
    d = vm_dir()
    cmd = [
        "qemu-system-x86_64",
        "-name",
        PART,
        "-nodefaults",
        "-accel",
        "tcg,tb-size=256",
        "-m",
        str(MEMORY_MIB),
        "-smp",
        str(CPUS),
        "-display",
        "none",
        "-serial",
        f"file:{d / 'console.log'}",
        "-qmp",
        f"unix:{d / 'qmp.sock'},server=on,wait=off",
        "-daemonize",
        "-pidfile",
        str(d / "qemu.pid"),
        "-kernel",
        str(image / "vmlinuz"),
        "-initrd",
        str(image / "initrd.img"),
        "-append",
        KERNEL_ARGS,
        "-fw_cfg",
        f"name={FW_CFG_SEED},file={d / 'seed.sh'}",
        "-device",
        "virtio-scsi-pci,id=scsi0",
        "-blockdev",
        json.dumps(_blockdev("node00", d / "root.qcow2")),
        "-device",
        _opts(
            {"driver": "scsi-hd", "id": "disk00", "bus": "scsi0.0", "scsi-id": 0, "lun": 0}
            | {"drive": "node00", "serial": root_serial}
        ),
    ]
    for slot, serial in sorted(slots.items()):
        cmd += ["-blockdev", json.dumps(_blockdev(f"node{slot:02d}", _disk_file(serial)))]
        cmd += ["-device", _opts(_scsi_device(slot, serial))]
    for i in range(1, NICS + 1):
        fwd = f",hostfwd=tcp:{ssh.ADDRESS}:{port}-:22" if i == 1 else ""
        net = f",net=10.0.{i + 1}.0/24" if i > 1 else ""
        cmd += ["-netdev", f"user,id=net{i},restrict=on{net}{fwd}"]
        cmd += ["-device", f"virtio-net-pci,netdev=net{i},mac={MAC_PREFIX}{i:02d}"]
    return cmd


def _pid() -> int | None:
    path = vm_dir() / "qemu.pid"
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return pid if b"qemu-system" in cmdline else None


class Qmp:
    """A minimal QMP client on the VM's unix socket."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(QMP_TIMEOUT_S)
        self.sock.connect(str(path))
        self.buf = b""
        self.events: list[dict[str, Any]] = []
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def _read(self) -> dict[str, Any]:
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise LabError("raidvm: QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)  # type: ignore[no-any-return]

    def cmd(self, name: str, **args: Any) -> Any:
        msg: dict[str, Any] = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise LabError(f"raidvm: QMP {name}: {reply['error'].get('desc')}")
            return reply.get("return")

    def wait_event(self, event: str, timeout: float = QMP_TIMEOUT_S, **match: Any) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for ev in self.events:
                data = ev.get("data") or {}
                if ev["event"] == event and all(data.get(k) == v for k, v in match.items()):
                    self.events.remove(ev)
                    return
            if time.monotonic() > deadline:
                raise LabError(f"raidvm: no QMP event {event} {match} within {timeout:.0f} s")
            self.events.append(self._read())

    def close(self) -> None:
        self.sock.close()


@contextlib.contextmanager
def qmp() -> Any:
    if _pid() is None:
        raise LabError("raidvm is not running", hint="sharpeyes lab up raidvm")
    conn = Qmp(vm_dir() / "qmp.sock")
    try:
        yield conn
    finally:
        conn.close()


# --- SSH ------------------------------------------------------------------------------------


def host_key() -> Path:
    return vm_dir() / "ssh_host_ed25519_key"


def known_hosts() -> Path:
    return vm_dir() / "known_hosts"


def _seed(name: str) -> str:
    ops_pub = ssh.ensure_key(ssh.ops_key(), "sharpeyes-ops@lab")
    host_pub = ssh.ensure_key(host_key(), f"root@{name}")
    return SEED.format(
        name=name,
        host_key=host_key().read_text(),
        host_pub=host_pub,
        user=ssh.OPS_USER,
        ops_pub=ops_pub,
        sudoers=ssh.SUDOERS_FILE,
    )


def ssh_command(port: int, *remote: str) -> list[str]:
    return [
        "ssh",
        "-p",
        str(port),
        "-i",
        str(ssh.ops_key()),
        "-o",
        f"UserKnownHostsFile={known_hosts()}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=10",
        f"{ssh.OPS_USER}@{ssh.ADDRESS}",
        *remote,
    ]


def run(*remote: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command in the VM as the ops user (prefix `sudo` for root)."""
    state = load_state()
    if not state or _pid() is None:
        raise LabError("raidvm is not running", hint="sharpeyes lab up raidvm")
    proc = subprocess.run(
        ssh_command(int(state["port"]), *remote),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise LabError(f"raidvm: {' '.join(remote)}: exit {proc.returncode}: {proc.stderr.strip()}")
    return proc


def wait_ssh(port: int, timeout: float = BOOT_TIMEOUT_S) -> float:
    """Seconds until `ssh true` works as the ops user."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if _pid() is None:
            raise LabError(f"raidvm: QEMU exited during boot (see {vm_dir() / 'console.log'})")
        proc = subprocess.run(
            ssh_command(port, "true"), capture_output=True, text=True, timeout=30, check=False
        )
        if proc.returncode == 0:
            return time.monotonic() - t0
        time.sleep(2)
    raise LabError(
        f"raidvm: no SSH on {ssh.ADDRESS}:{port} after {timeout:.0f} s"
        f" (see {vm_dir() / 'console.log'})"
    )


# --- up / down / status ---------------------------------------------------------------------


QEMU_USER_NET = "10.0.2.0/24"


def _inventory_vars(port: int) -> dict[str, Any]:
    data = inventory_layer.host_vars(port)
    data["ansible_ssh_common_args"] = (
        f"-o UserKnownHostsFile={known_hosts()} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes"
    )
    data["sharpeyes_lab_vm"] = PART
    # QEMU's user network: SSH arrives from its gateway, 10.0.2.2 (the firewall role allows it)
    data["sharpeyes_controller_prefixes"] = [QEMU_USER_NET]
    return data


def up() -> list[PartResult]:
    """Build (or reuse) the image and boot the VM; idempotent."""
    name = server()
    state = load_state()
    if _pid() is not None and state:
        inventory_layer.write_part(PART, {state["server"]: _inventory_vars(int(state["port"]))})
        detail = f"stands in for {state['server']}, ssh {ssh.ADDRESS}:{state['port']}"
        return [PartResult(PART, state["server"], "already running", detail)]
    _need("qemu-system-x86_64", "qemu-system-x86")
    image, build_s = ensure_image()
    d = vm_dir()
    d.mkdir(parents=True, exist_ok=True)
    if state.get("image") != image.name or state.get("server") != name:
        # A new image or another server: fresh root overlay and the server's disks.
        for stale in ("root.qcow2", "sys2.qcow2"):
            (d / stale).unlink(missing_ok=True)
        shutil.rmtree(d / "disks", ignore_errors=True)
        disks = planned_disks(name)
        state = {
            "server": name,
            "image": image.name,
            "port": ssh.ports_for([f"{PART}:{name}"])[f"{PART}:{name}"],
            "root_serial": disks[0].serial,
            "slots": {str(disk.slot): disk.serial for disk in disks[1:]},
            "pulled": {},
            "data_disk_bytes": data_disk_bytes(),
        }
    if not (d / "root.qcow2").is_file():
        _check(
            [*ROOT_OVERLAY, str(image / "root.raw"), str(d / "root.qcow2")],
            what="qemu-img create (root overlay)",
        )
    slots = {int(k): v for k, v in state["slots"].items()}
    for slot, serial in slots.items():
        _create_disk(_disk_file(serial), _disk_bytes(state, slot))
    port = int(state["port"])
    seed = _seed(name)
    (d / "seed.sh").write_text(seed)
    host_pub = host_key().with_name(host_key().name + ".pub").read_text().split()
    known_hosts().write_text(f"[{ssh.ADDRESS}]:{port} {host_pub[0]} {host_pub[1]}\n")
    _save_state(state)
    (d / "console.log").unlink(missing_ok=True)
    t0 = time.monotonic()
    command = qemu_command(image, port, str(state["root_serial"]), slots)
    _check(command, what="qemu-system-x86_64", timeout=60)
    boot_s = wait_ssh(port)
    state["boot_s"] = round(time.monotonic() - t0, 1)
    _save_state(state)
    inventory_layer.write_part(PART, {name: _inventory_vars(port)})
    detail = f"stands in for {name}, ssh {ssh.ADDRESS}:{port}, boot {boot_s:.0f} s"
    if build_s is not None:
        detail += f", image built in {build_s:.0f} s"
    return [PartResult(PART, name, "started", detail)]


def down() -> list[str]:
    lines: list[str] = []
    pid = _pid()
    if pid is not None:
        with contextlib.suppress(LabError, OSError), qmp() as conn:
            conn.cmd("quit")
        deadline = time.monotonic() + 20
        while _pid() is not None and time.monotonic() < deadline:
            time.sleep(0.5)
        if _pid() is not None:
            os.kill(pid, signal.SIGKILL)
        lines.append(f"raidvm stopped (pid {pid})")
    lines += inventory_layer.remove(PART)
    return lines


def reset() -> list[str]:
    """Stop the VM and drop its disks and root overlay: the next `up` boots a fresh server."""
    lines = down()
    if vm_dir().is_dir():
        shutil.rmtree(vm_dir())
        lines.append(f"raidvm state removed ({vm_dir()})")
    return lines


def reboot(timeout: float = BOOT_TIMEOUT_S) -> float:
    """Reboot the guest (as an operator would) and wait for SSH; seconds it took."""
    state = load_state()
    t0 = time.monotonic()
    run("sudo", "systemctl", "reboot", check=False, timeout=30)
    time.sleep(5)
    wait_ssh(int(state["port"]), timeout)
    return time.monotonic() - t0


def status() -> dict[str, Any]:
    state = load_state()
    running = _pid() is not None
    return {
        "running": running,
        "server": state.get("server", server()),
        "ssh": f"{ssh.ADDRESS}:{state['port']}" if state.get("port") else None,
        "image": state.get("image", "")[:12],
        "slots": state.get("slots", {}),
        "pulled": state.get("pulled", {}),
        "data_disk_bytes": state.get("data_disk_bytes"),
    }


# --- disk pulls -----------------------------------------------------------------------------


def pull_disk(slot: int) -> str:
    """Hot-unplug the disk in `slot` (1..15 data, 16 the second system disk); its serial."""
    state = load_state()
    serial = state.get("slots", {}).get(str(slot))
    if serial is None:
        raise LabError(f"raidvm: slot {slot} is empty")
    with qmp() as conn:
        conn.cmd("device_del", id=f"disk{slot:02d}")
        conn.wait_event("DEVICE_DELETED", device=f"disk{slot:02d}")
        conn.cmd("blockdev-del", **{"node-name": f"node{slot:02d}"})
    del state["slots"][str(slot)]
    state.setdefault("pulled", {})[str(slot)] = serial
    _save_state(state)
    return str(serial)


def new_serial() -> str:
    """A serial for a blank replacement disk, in the estate's style (ZR + 6 hex digits)."""
    return "ZR" + secrets.token_hex(3).upper()


def insert_disk(slot: int, *, blank: bool = False, serial: str | None = None) -> str:
    """Hot-plug a disk into `slot`: the one pulled from it, or (`blank`) a new empty one with
    `serial` (generated when not given); its serial."""
    state = load_state()
    if str(slot) in state.get("slots", {}):
        raise LabError(f"raidvm: slot {slot} is occupied ({state['slots'][str(slot)]})")
    if blank or serial:
        serial = serial or new_serial()
        if _disk_file(serial).exists() and blank:
            raise LabError(f"raidvm: a disk with serial {serial} exists already")
        _create_disk(_disk_file(serial), _disk_bytes(state, slot))
    else:
        serial = state.get("pulled", {}).get(str(slot))
        if serial is None:
            raise LabError(f"raidvm: no disk was pulled from slot {slot}: use --blank")
    with qmp() as conn:
        conn.cmd("blockdev-add", **_blockdev(f"node{slot:02d}", _disk_file(serial)))
        conn.cmd("device_add", **_scsi_device(slot, serial))
    state.setdefault("slots", {})[str(slot)] = serial
    state.get("pulled", {}).pop(str(slot), None)
    _save_state(state)
    return serial


def grow_data_disks(size: int) -> list[str]:
    """Grow every data disk present to `size` bytes in place (QMP `block_resize`; virtio-scsi
    tells the guest, which rescans the capacity), and make later blank disks that size too. The
    serials grown. Growing never moves data: a disk's signatures stay where they were."""
    state = load_state()
    grown: list[str] = []
    with qmp() as conn:
        for slot in range(1, DATA_DISKS + 1):
            serial = state.get("slots", {}).get(str(slot))
            if serial is None:
                continue
            conn.cmd("block_resize", **{"node-name": f"node{slot:02d}", "size": size})
            grown.append(str(serial))
    state["data_disk_bytes"] = size
    _save_state(state)
    return grown
