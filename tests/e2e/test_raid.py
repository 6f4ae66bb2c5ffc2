"""The raid role on real mdadm: the lab VM (`sharpeyes lab up raidvm`) stands in for one video
server with the 15 data disks NetBox lists for it (by serial).

One fresh VM boot for the module (conftest `raidvm_env`), tests in file
order (each leaves the VM as the next expects): refusals first (no array yet), then build →
second run changed=0 → reboot → assembled and mounted → pull a disk → degraded → replace-disk with
a blank disk → rebuild → clean and NetBox updated; last, the same disks grown to 18 TB each and
built again (the scale check). NetBox's inventory items are put back as the dataset has them.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from sharpeyes.lab import netbox, vm
from sharpeyes.lab.demo import LAB_INVENTORY
from sharpeyes.paths import repo_root
from sharpeyes.sot import client

pytestmark = pytest.mark.e2e

HEALTH = "/usr/local/sbin/sharpeyes-raid-health"
MOUNT = "/srv/video/video0"
TIMINGS: dict[str, float] = {}


def _playbook(env: dict[str, str], playbook: str, *extra: str) -> subprocess.CompletedProcess[str]:
    argv = ["ansible-playbook", "--flush-cache", *LAB_INVENTORY, "--limit", vm.server()]
    return subprocess.run(
        [*argv, *extra, playbook],
        env={**env, "ANSIBLE_NOCOLOR": "1"},
        cwd=repo_root(),
        capture_output=True,
        text=True,
        check=False,
    )


def _flat(proc: subprocess.CompletedProcess[str]) -> str:
    return " ".join((proc.stdout + proc.stderr).split())


def _changed(proc: subprocess.CompletedProcess[str]) -> int:
    for line in proc.stdout.splitlines():
        if line.startswith(vm.server()) and "changed=" in line:
            return int(line.split("changed=")[1].split()[0])
    raise AssertionError(f"no recap for {vm.server()}: {_flat(proc)[-2000:]}")


def _signatures() -> dict[str, Any]:
    """Every data disk's signatures (wipefs listing, no erase) and blkid probe, by serial."""
    script = (
        "for d in /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_*; do"
        " case $d in *-part*) continue;; esac;"
        ' echo "$d $(wipefs --json "$d" | tr -d " \\n")'
        ' $(blkid --probe -o export "$d" | tr "\\n" " ")";'
        " done"
    )
    out = vm.run("sudo", "sh", "-c", f"'{script}'").stdout
    return {line.split()[0]: line.split(None, 1)[1:] for line in out.splitlines() if line}


def _health() -> tuple[int, str]:
    proc = vm.run("sudo", HEALTH, check=False)
    return proc.returncode, proc.stdout.strip()


def _api() -> Any:
    creds = netbox.credentials()
    return client.connect(creds.url, creds.token)


def _data_serials() -> list[str]:
    state = vm.load_state()
    return [state["slots"][str(i)] for i in range(1, vm.DATA_DISKS + 1)]


@pytest.fixture(scope="module")
def raid_env(raidvm_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """NetBox with the dataset and the module's freshly booted VM (conftest `raidvm_env`); NetBox's
    disk items are put back as they were at the end."""
    env = raidvm_env
    TIMINGS["boot"] = float(vm.load_state()["boot_s"])
    snapshot = {
        item.id: (item.name, item.serial, str(item.status.value), item.description)
        for item in _api().dcim.inventory_items.filter(device=vm.server(), role="disk-data")
    }
    try:
        yield env
    finally:
        api = _api()
        for item in api.dcim.inventory_items.filter(device=vm.server(), role="disk-data"):
            if item.id not in snapshot:
                item.delete()
        for item_id, (name, serial, status, description) in snapshot.items():
            item = api.dcim.inventory_items.get(item_id)
            item.update(
                {"name": name, "serial": serial, "status": status, "description": description}
            )
        print(f"\nraid e2e timings (s): {json.dumps({k: round(v) for k, v in TIMINGS.items()})}")


def test_disk_netbox_lists_but_absent_is_refused_before_any_change(
    raid_env: dict[str, str],
) -> None:
    serials = _data_serials()
    pulled = vm.pull_disk(vm.DATA_DISKS)
    try:
        before = _signatures()
        proc = _playbook(raid_env, "playbooks/storage.yml")
        assert proc.returncode == 2, _flat(proc)[-3000:]
        assert (
            "raid: refused, nothing changed: the disks present do not match the source of truth:"
            f" missing {pulled}; unexpected none" in _flat(proc)
        )
        assert "changed=0" in _flat(proc)
        assert _signatures() == before
        assert pulled == serials[-1]
    finally:
        vm.insert_disk(vm.DATA_DISKS)


def test_safe_mode_refuses_a_disk_with_a_filesystem_and_touches_nothing(
    raid_env: dict[str, str],
) -> None:
    serial = _data_serials()[4]
    path = f"/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_{serial}"
    vm.run("sudo", "mkfs.ext4", "-q", "-F", path)
    try:
        before = _signatures()
        assert "ext4" in " ".join(before[path])
        proc = _playbook(raid_env, "playbooks/storage.yml")
        assert proc.returncode == 2, _flat(proc)[-3000:]
        assert (
            f"array video0: disk {serial} ({path}) carries signatures ext4: refused by safe mode"
            " (list its serial in raid_allowed_serials to let the role wipe it)" in _flat(proc)
        )
        assert "changed=0" in _flat(proc)
        assert _signatures() == before
        assert "md" not in vm.run("cat", "/proc/mdstat").stdout.split("unused devices")[0]
    finally:
        vm.run("sudo", "wipefs", "--all", "--quiet", path)


def test_storage_builds_the_array_then_changes_nothing(raid_env: dict[str, str]) -> None:
    t0 = time.monotonic()
    first = _playbook(raid_env, "playbooks/storage.yml")
    TIMINGS["converge"] = time.monotonic() - t0
    assert first.returncode == 0, _flat(first)[-3000:]
    assert "1 array(s) to build: video0 RAID6 of 15" in _flat(first)
    t0 = time.monotonic()
    second = _playbook(raid_env, "playbooks/storage.yml")
    TIMINGS["second_run"] = time.monotonic() - t0
    assert second.returncode == 0, _flat(second)[-3000:]
    assert _changed(second) == 0
    assert "0 array(s) to build" in _flat(second)
    vm.run("sudo", "mdadm", "--wait", "/dev/md/video0", check=False, timeout=300)
    assert _health() == (0, f"video0 {_md_dev()} clean")
    assert _md_dev().startswith("/dev/md1")  # /dev/md/video0 is a link to the md device
    geometry = " ".join(vm.run("sudo", "xfs_info", MOUNT).stdout.split())
    assert "sunit=128 swidth=1664 blks" in geometry  # 512 KiB x 13 data disks, 4 KiB blocks
    assert "sunit=64 blks" in geometry  # the log stripe unit, 256 KiB
    detail = vm.run("sudo", "mdadm", "--detail", "/dev/md/video0").stdout
    assert "Intent Bitmap : Internal" in detail
    assert "Raid Level : raid6" in detail


def _md_dev() -> str:
    return vm.run("readlink", "-f", "/dev/md/video0").stdout.strip()


def test_reboot_assembles_and_mounts_the_array(raid_env: dict[str, str]) -> None:
    TIMINGS["reboot_to_ssh"] = vm.reboot()
    t0 = time.monotonic()
    while vm.run("findmnt", "--noheadings", MOUNT, check=False).returncode != 0:
        assert time.monotonic() - t0 < 120, "the array was not mounted after the reboot"
        time.sleep(2)
    TIMINGS["reboot_to_mounted"] = TIMINGS["reboot_to_ssh"] + time.monotonic() - t0
    mount = vm.run("findmnt", "--noheadings", "-o", "SOURCE,FSTYPE,OPTIONS", MOUNT).stdout
    assert mount.split()[1] == "xfs"
    assert _health() == (0, f"video0 {_md_dev()} clean")
    assert _md_dev().startswith("/dev/md1"), "not assembled under its name /dev/md/video0"
    fstab = vm.run("cat", "/etc/fstab").stdout
    assert any(
        line.startswith("UUID=") and MOUNT in line and "nofail" in line
        for line in fstab.splitlines()
    )


def test_pulled_disk_is_degraded_and_replace_disk_rebuilds_and_records_it(
    raid_env: dict[str, str],
) -> None:
    slot = 3
    old = vm.pull_disk(slot)
    deadline = time.monotonic() + 60
    while (health := _health())[0] != 2:
        assert time.monotonic() < deadline, f"not degraded after the pull: {health}"
        time.sleep(2)
    assert health[1] == f"video0 {_md_dev()} degraded missing=1"

    new = vm.insert_disk(slot, blank=True)
    t0 = time.monotonic()
    proc = _playbook(
        raid_env,
        "playbooks/replace-disk.yml",
        "-e",
        f"replace_old_serial={old} replace_new_serial={new}",
    )
    TIMINGS["replace_disk"] = time.monotonic() - t0
    assert proc.returncode == 0, _flat(proc)[-3000:]
    assert "round 1: video0" in _flat(proc)
    assert _health() == (0, f"video0 {_md_dev()} clean")

    items = {
        i.serial: i
        for i in _api().dcim.inventory_items.filter(device=vm.server(), role="disk-data")
    }
    assert items[new].name == f"data-disk-{slot:02d}"
    assert str(items[new].status.value) == "active"
    assert items[old].name == f"data-disk-{slot:02d}-replaced-{old}"
    assert str(items[old].status.value) == "failed"
    assert items[old].description.startswith(f"replaced by {new} on ")

    # NetBox and the disks agree again: storage.yml runs and changes nothing.
    again = _playbook(raid_env, "playbooks/storage.yml")
    assert again.returncode == 0, _flat(again)[-3000:]
    assert _changed(again) == 0


@pytest.mark.extended  # ~7 min of converge in the VM: proven at scale, kept out of CI's budget
def test_fifteen_sparse_18tb_disks_build_at_real_scale(raid_env: dict[str, str]) -> None:
    """The issue's scale check, on the same boot: the server's data disks are emptied (array
    stopped, signatures wiped) and grown in place to 18 TB each (sparse qcow2, `block_resize`);
    storage.yml builds RAID6 13+2 with `raid_assume_clean` (lab only: no 18 TB resync), XFS and
    the mount, then changes nothing."""
    serials = _data_serials()
    paths = [f"/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_{s}" for s in serials]
    # After the tests above (alone on a fresh VM there is nothing to stop: check=False).
    vm.run("sudo", "umount", MOUNT, check=False)
    vm.run("sudo", "mdadm", "--stop", "/dev/md/video0", check=False)
    vm.run("sudo", "wipefs", "--all", "--quiet", *paths)
    assert sorted(vm.grow_data_disks(vm.DRIVE_18TB_BYTES)) == sorted(serials)
    # virtio-scsi reports the change and the guest rescans in its own time (over a minute for 15
    # disks under load): ask for the rescan, as an operator would after growing a LUN.
    rescan = (
        f"for d in {' '.join(paths)}; do"
        " echo 1 > /sys/class/block/$(basename $(readlink -f $d))/device/rescan; done"
    )
    vm.run("sudo", "sh", "-c", f"'{rescan}'", check=False, timeout=300)
    deadline = time.monotonic() + 300
    while True:  # the guest's udev then probes 15 new 18 TB disks: SSH may stall for a while
        sizes = vm.run("sudo", "blockdev", "--getsize64", *paths, check=False).stdout.split()
        if sizes == [str(vm.DRIVE_18TB_BYTES)] * len(paths):
            break
        assert time.monotonic() < deadline, f"the guest did not see the 18 TB disks: {sizes}"
        time.sleep(2)

    assume_clean = ("-e", '{"raid_assume_clean": true}')
    t0 = time.monotonic()
    first = _playbook(raid_env, "playbooks/storage.yml", *assume_clean)
    TIMINGS["converge_18tb"] = time.monotonic() - t0
    assert first.returncode == 0, _flat(first)[-3000:]
    assert "1 array(s) to build: video0 RAID6 of 15" in _flat(first)
    md = _md_dev().removeprefix("/dev/")
    assert vm.run("cat", f"/sys/block/{md}/md/sync_action").stdout.strip() == "idle"
    assert _health() == (0, f"video0 {_md_dev()} clean")

    member = int(vm.run("cat", f"/sys/block/{md}/md/component_size").stdout) * 1024
    array = int(vm.run("sudo", "blockdev", "--getsize64", _md_dev()).stdout)
    assert 0 < vm.DRIVE_18TB_BYTES - member < 1 << 30  # the superblock, bitmap and data offset
    assert array == 13 * member  # RAID6 13 + 2: 13 members' worth of data, ≈ 234 TB
    assert 233.9e12 < array < 13 * vm.DRIVE_18TB_BYTES
    df = vm.run("df", "--block-size=1", "--output=size,fstype", MOUNT).stdout.split()
    assert df[-1] == "xfs"
    assert array * 0.99 < int(df[-2]) <= array  # XFS spans the array (log, AG headers aside)
    geometry = " ".join(vm.run("sudo", "xfs_info", MOUNT).stdout.split())
    assert "sunit=128 swidth=1664 blks" in geometry

    t0 = time.monotonic()
    second = _playbook(raid_env, "playbooks/storage.yml", *assume_clean)
    TIMINGS["second_run_18tb"] = time.monotonic() - t0
    assert second.returncode == 0, _flat(second)[-3000:]
    assert _changed(second) == 0
    assert "0 array(s) to build" in _flat(second)
