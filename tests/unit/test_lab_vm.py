"""The RAID lab VM's pure parts: the disks it gets, its QEMU command line, its image cache key."""

from __future__ import annotations

from pathlib import Path

import pytest

from sharpeyes.lab import vm
from sharpeyes.paths import netbox_data_dir
from sharpeyes.sot import loader


def _dataset_disks(server: str) -> dict[str, dict[str, str]]:
    items = loader.load_dataset(netbox_data_dir()).objects["dcim.inventory-items"]
    return {
        str(o.data["serial"]): o.data
        for o in items
        if o.data.get("device") == server and o.data.get("role") in ("disk-data", "disk-system")
    }


def test_planned_disks_are_the_servers_serials_when_netbox_cannot_be_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreachable(_name: str) -> list[vm.Disk]:
        raise ConnectionError("down")

    monkeypatch.setattr(vm, "_serials_from_netbox", unreachable)
    disks = vm.planned_disks("qxdc-vc10")
    expected = _dataset_disks("qxdc-vc10")
    assert {d.serial for d in disks} == set(expected)
    assert [d.slot for d in disks] == list(range(vm.DATA_DISKS + 2))
    assert disks[0].role == "disk-system"  # the root disk
    assert disks[-1].role == "disk-system"
    assert [d.name for d in disks[1:-1]] == sorted(
        v["name"] for v in expected.values() if v["role"] == "disk-data"
    )


def test_planned_disks_refuse_a_server_without_its_disks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vm, "_serials_from_netbox", lambda _name: [])
    with pytest.raises(vm.LabError, match="lists 0 data and 0 system disks for nowhere"):
        vm.planned_disks("nowhere")


def test_qemu_command_has_the_disks_by_serial_and_reaches_nothing_but_ssh(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path))
    slots = {i: f"SER{i:02d}" for i in range(1, vm.DATA_DISKS + 2)}
    cmd = vm.qemu_command(tmp_path / "img", 22001, "ROOT", slots)
    devices = [cmd[i + 1] for i, a in enumerate(cmd) if a == "-device"]
    disks = [d for d in devices if d.startswith("driver=scsi-hd")]
    assert len(disks) == 1 + vm.DATA_DISKS + 1
    assert "serial=ROOT" in disks[0]
    assert all(f"serial={s}," in " ".join(disks) + "," for s in slots.values())
    netdevs = [cmd[i + 1] for i, a in enumerate(cmd) if a == "-netdev"]
    assert len(netdevs) == vm.NICS
    assert all("restrict=on" in n for n in netdevs)
    assert [n for n in netdevs if "hostfwd" in n] == [
        "user,id=net1,restrict=on,hostfwd=tcp:127.0.0.1:22001-:22"
    ]
    assert "tcg,tb-size=256" in cmd


def test_image_cache_key_follows_the_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    before = vm.recipe_hash()
    assert vm.recipe_hash() == before
    monkeypatch.setattr(vm, "POST_BUILD", vm.POST_BUILD + "\ntrue\n")
    assert vm.recipe_hash() != before
    assert vm.image_dir().name == vm.recipe_hash()
