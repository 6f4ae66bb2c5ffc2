"""Every rendered switch configuration, parsed independently of the renderer (a plain section
reader), against NetBox read independently of the pipeline (plain pynetbox over the cables):
each camera sits on its cabled port, in that port's VLAN, described by point code + GB/T 28181
id, with PoE on (Comware: `poe enable`; VRP supplies power by default, so no `undo poe enable`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pynetbox
import pytest

from sharpeyes.lab import commands, netbox, switches

pytestmark = pytest.mark.integration

CAMERA_ROLES = ("camera-bullet", "camera-dome", "camera-face", "camera-checkpoint")


def _expected(api: Any) -> dict[tuple[str, str], tuple[str, int]]:
    """(switch, port) -> (description, access VLAN) of each camera cabled to an access switch."""
    cameras = {d.id: d for d in api.dcim.devices.filter(role=list(CAMERA_ROLES))}
    points = {loc.id: loc.custom_fields["point_code"] for loc in api.dcim.locations.all()}
    switch_ids = [d.id for d in api.dcim.devices.filter(role="access-switch")]
    ports = api.dcim.interfaces.filter(device_id=switch_ids, cabled=True, limit=0)
    want: dict[tuple[str, str], tuple[str, int]] = {}
    for itf in ports:
        if itf.link_peers_type != "dcim.interface":  # a front port, circuit, ...
            continue
        for peer in itf.link_peers or []:
            camera = cameras.get(dict(peer).get("device", {}).get("id"))
            if camera is None:
                continue
            key = (itf.device.name, itf.name)
            assert key not in want, f"two cameras on {key}"
            description = f"{points[camera.location.id]} {camera.custom_fields['gb28181_id']}"
            want[key] = (description, int(itf.untagged_vlan.vid))
    return want


def _sections(text: str) -> dict[str, list[str]]:
    """Top-level line -> its indented lines: the shape both CLIs display (`#` separates)."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(" ") and current is not None:
            current.append(line.strip())
        elif line.strip() and not line.startswith("#"):
            current = out.setdefault(line.strip(), [])
        else:
            current = None
    return out


def _ports(path: Path, comware: bool) -> dict[str, dict[str, str]]:
    """Port -> {description, vlan, poe} as the configuration text says."""
    found: dict[str, dict[str, str]] = {}
    for head, lines in _sections(path.read_text()).items():
        if not head.startswith("interface GigabitEthernet"):
            continue
        poe = "poe enable" in lines if comware else "undo poe enable" not in lines
        facts: dict[str, str] = {"poe": str(poe)}
        for line in lines:
            if line.startswith("description "):
                facts["description"] = line.removeprefix("description ")
            for prefix in ("port default vlan ", "port access vlan "):
                if line.startswith(prefix):
                    facts["vlan"] = line.removeprefix(prefix)
        found[head.removeprefix("interface ")] = facts
    return found


def test_every_camera_port_matches_netbox(lab_netbox: netbox.Credentials, tmp_path: Path) -> None:
    if len(switches.read_netbox()) != 80:  # emptied or sliced by other tests
        commands.reset_loaded(None)
    api = pynetbox.api(lab_netbox.url, token=lab_netbox.token)
    want = _expected(api)
    # cameras cabled straight to an access port (the others reach one through a media converter,
    # whose port carries the converter's description)
    assert want

    env = {
        **os.environ,
        **switches.env_vars(),
        "NETBOX_API": lab_netbox.url,
        "NETBOX_TOKEN": lab_netbox.token,
    }
    out = subprocess.run(
        [sys.executable, "-m", "sharpeyes.cli.main", "switch", "render", "-o", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    comware = {
        d.name for d in api.dcim.devices.filter(role="access-switch", platform="h3c-comware7")
    }
    rendered = {p.stem: _ports(p, p.stem in comware) for p in tmp_path.glob("*.cfg")}
    assert len(rendered) == 80

    wrong = []
    for (switch, port), (description, vid) in sorted(want.items()):
        got = rendered[switch].get(port, {})
        expected = {"description": description, "vlan": str(vid), "poe": "True"}
        if got != expected:
            wrong.append(f"{switch} {port}: rendered {got}, NetBox {expected}")
    assert wrong == []
    # and no camera description on a port NetBox has no camera on
    described = {
        (switch, port)
        for switch, ports in rendered.items()
        for port, facts in ports.items()
        if re.fullmatch(r"\S+ \d{20}", facts.get("description", ""))
    }
    assert described == set(want)
