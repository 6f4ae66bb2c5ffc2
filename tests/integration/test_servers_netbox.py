"""What the server roles get from NetBox (sharpeyes.servers.netbox, the lookup behind
playbooks/servers.yml) is what the repo's dataset says about each server."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sharpeyes.errors import InputError
from sharpeyes.lab import commands, netbox
from sharpeyes.servers import netbox as servers
from sharpeyes.sot import client

pytestmark = pytest.mark.integration

ESTATE = Path(__file__).resolve().parents[2] / "netbox" / "estate"


def _rows(name: str) -> list[dict]:
    return list(yaml.safe_load((ESTATE / f"{name}.yml").read_text())["objects"])


def test_bond_members_and_addresses_follow_the_dataset(lab_netbox: netbox.Credentials) -> None:
    api = client.connect(lab_netbox.url, lab_netbox.token)
    if api.dcim.devices.get(name="qxdc-vc01") is None:  # emptied by another test
        commands.reset_loaded(None)
    itfs = [r for r in _rows("dcim.interfaces") if r["device"] == "qxdc-vc01"]
    lags = {r["name"] for r in itfs if r["type"] == "lag"}
    members = {
        lag: sorted(r["name"] for r in itfs if (r.get("lag") or {}).get("name") == lag)
        for lag in lags
    }
    ips = {
        r["assigned_object"]["name"]: r["address"]
        for r in _rows("ipam.ip-addresses")
        if r.get("assigned_object", {}).get("device") == "qxdc-vc01"
    }
    data = servers.read(api, "qxdc-vc01").as_vars()
    assert {b["name"]: b["members"] for b in data["bonds"]} == members
    assert {b["name"]: b["addresses"] for b in data["bonds"]} == {
        lag: [ips[lag]] for lag in lags if lag in ips
    }
    address = ips[next(iter(lags))].split("/")[0]
    assert {"address": address, "names": ["qxdc-vc01"]} in data["hosts"]
    assert len(data["hosts"]) == len(
        [d for d in _rows("dcim.devices") if d["role"] == "video-server"]
    )
    assert data["camera_prefixes"] and data["management_prefixes"]


def test_an_unknown_server_is_named(lab_netbox: netbox.Credentials) -> None:
    api = client.connect(lab_netbox.url, lab_netbox.token)
    with pytest.raises(InputError, match="server qxdc-nope: no video server"):
        servers.read(api, "qxdc-nope")
