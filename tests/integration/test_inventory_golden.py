"""nb_inventory against the lab NetBox loaded with the dataset: golden hosts/groups/key vars,
the pyinfra inventory equal to Ansible's, snapshots round-tripping, cameras never hosts.

The golden file is a projection of `ansible-inventory --list` (hosts with KEY_VARS, groups with
their members), normalised by sharpeyes.inventory; regenerate it after an intended change with
    SHARPEYES_GOLDEN_WRITE=1 pytest tests/integration/test_inventory_golden.py -m integration
and review the diff.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sharpeyes.inventory import pyinfra as inv_pyinfra
from sharpeyes.inventory import snapshot, source
from sharpeyes.inventory.model import ALL, Inventory
from sharpeyes.lab import commands, netbox
from sharpeyes.paths import repo_root
from sharpeyes.sot import client

pytestmark = pytest.mark.integration

GOLDEN = repo_root() / "inventory" / "golden" / "netbox.yml"
KEY_VARS = (
    "ansible_host",
    "ansible_network_os",
    "platform",
    "role",
    "site",
    "sharpeyes_ntp_servers",
)
SHARPEYES = str(Path(sys.executable).parent / "sharpeyes")


@pytest.fixture(scope="module")
def loaded_netbox(lab_netbox: netbox.Credentials) -> Iterator[netbox.Credentials]:
    saved = {k: os.environ.get(k) for k in ("NETBOX_API", "NETBOX_TOKEN")}
    os.environ["NETBOX_API"], os.environ["NETBOX_TOKEN"] = lab_netbox.url, lab_netbox.token
    commands.reset_loaded()  # NetBox holds exactly the dataset
    yield lab_netbox
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def listed(loaded_netbox: netbox.Credentials) -> Inventory:
    """Plain `ansible-inventory -i inventory/netbox.yml --list` (group vars merged), normalised."""
    return Inventory.from_ansible(
        source.run_ansible_inventory(source.default_sources(), live=True, export=False)
    )


def golden_view(inv: Inventory) -> dict[str, Any]:
    return {
        "hosts": {h: {k: v[k] for k in KEY_VARS if k in v} for h, v in sorted(inv.hosts.items())},
        "groups": {g: inv.members(g) for g in sorted(inv.groups) if g != ALL},
    }


def test_ansible_inventory_list_matches_the_golden_file(listed: Inventory) -> None:
    view = golden_view(listed)
    if os.environ.get("SHARPEYES_GOLDEN_WRITE"):
        GOLDEN.write_text(
            "# Golden: `ansible-inventory -i inventory/netbox.yml --list` on the loaded lab\n"
            "# NetBox, normalised (tests/integration/test_inventory_golden.py writes it).\n---\n"
            + snapshot.dump(view),
            encoding="utf-8",
        )
    expected = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))
    assert view["groups"] == expected["groups"]
    assert view["hosts"] == expected["hosts"]


def test_exactly_the_servers_and_access_switches(listed: Inventory) -> None:
    roles = {h: v["role"] for h, v in listed.hosts.items()}
    assert sorted(set(roles.values())) == ["access-switch", "video-server"]
    assert len(listed.members("role_video_server")) == 10
    assert len(listed.members("role_access_switch")) == 80
    assert len(listed.hosts) == 90
    oses = {listed.hosts[h].get("ansible_network_os") for h in listed.members("role_access_switch")}
    assert oses == {"huawei", "hp_comware"}
    assert not any(
        "ansible_network_os" in listed.hosts[h] for h in listed.members("role_video_server")
    )


def test_pyinfra_sees_the_same_hosts_groups_and_data(listed: Inventory) -> None:
    exported = source.load().inventory  # --export: group vars stay on groups
    built = inv_pyinfra.build(exported)
    assert sorted(h.name for h in built) == sorted(listed.hosts)
    for group in listed.groups:
        if group != ALL:
            assert sorted(h.name for h in built.get_group(group)) == listed.members(group), group
    for host in built:
        data = {
            k: v
            for k, v in host.data.dict().items()
            if k not in inv_pyinfra.CONNECTION_KEYS.values()
        }
        assert data == dict(listed.hosts[host.name]), host.name
        assert host.data.ssh_hostname == listed.hosts[host.name]["ansible_host"]


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SHARPEYES, *argv], capture_output=True, text=True, check=False, cwd=repo_root()
    )


def test_snapshot_round_trip_edit_and_drift(
    loaded_netbox: netbox.Credentials, tmp_path: Path
) -> None:
    snap = tmp_path / "snapshot.yml"
    made = _cli("inventory", "snapshot", "-o", str(snap))
    assert made.returncode == 0, made.stderr
    header, _ = snapshot.read(snap)
    assert header.netbox_url == loaded_netbox.url
    # Ansible reads it unchanged, with the same hosts as NetBox gives
    graph = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-inventory"),
            "-i",
            str(snap),
            "--graph",
            "role_access_switch",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=repo_root(),
    )
    assert graph.stdout.count("|--") == 80
    same = _cli("inventory", "check", str(snap))
    assert same.returncode == 0, same.stdout + same.stderr
    assert "same as" in same.stdout
    edited = tmp_path / "edited.yml"
    edited.write_text(snap.read_text(encoding="utf-8").replace("qx-cp01-sw01", "qx-cp01-sw91"))
    refused = _cli("inventory", "check", str(edited))
    assert refused.returncode == 3
    assert "does not match its sha256" in refused.stderr
    api = client.connect(loaded_netbox.url, loaded_netbox.token)
    device = api.dcim.devices.create(
        name="inv-test-sw99",
        device_type={"slug": "s5735s-l24p4s-a1"},
        role={"slug": "access-switch"},
        site={"slug": "qx-cp01"},
        platform={"slug": "huawei-vrp5"},
    )
    try:
        drift = _cli("inventory", "check", str(snap))
    finally:
        device.delete()
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "+ host inv-test-sw99" in drift.stdout
    assert "~ group role_access_switch: hosts +inv-test-sw99" in drift.stdout


def test_a_camera_added_in_netbox_never_appears(loaded_netbox: netbox.Credentials) -> None:
    api = client.connect(loaded_netbox.url, loaded_netbox.token)
    camera = api.dcim.devices.create(
        name="inv-test-cam99",
        device_type={"slug": "ds-2cd3t47ewdv3-l"},
        role={"slug": "camera-bullet"},
        site={"slug": "qx-cp01"},
    )
    try:
        inv = source.load(live=True).inventory
    finally:
        camera.delete()
    assert "inv-test-cam99" not in inv.hosts
    assert len(inv.hosts) == 90


def test_netbox_down_or_wrong_token_is_one_line_and_exit_4(
    loaded_netbox: netbox.Credentials, tmp_path: Path
) -> None:
    env = {**os.environ, "NETBOX_TOKEN": "nbt_bogus.secret"}
    out = subprocess.run(
        [SHARPEYES, "inventory", "snapshot"], capture_output=True, text=True, env=env, check=False
    )
    assert out.returncode == 4
    assert out.stdout == ""
    assert "rejected the token" in out.stderr.splitlines()[0]
    env = {**os.environ, "NETBOX_API": "http://127.0.0.1:9"}
    out = subprocess.run(
        [SHARPEYES, "inventory", "snapshot"], capture_output=True, text=True, env=env, check=False
    )
    assert out.returncode == 4
    assert "is unreachable" in out.stderr.splitlines()[0]
