"""The inventory package without NetBox: normalisation, resolution, filters, diff, snapshot
header and hash, the pyinfra adapter (a real pyinfra Inventory), and one snapshot read back by
the real ansible-inventory (no NetBox involved: a snapshot is a plain YAML inventory)."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from ansible._internal._json._profiles import _cache_persistence
from ansible.parsing.dataloader import DataLoader

from sharpeyes.errors import InputError
from sharpeyes.inventory import pyinfra as inv_pyinfra
from sharpeyes.inventory import snapshot, source
from sharpeyes.inventory.model import Inventory, Unsafe, diff


def U(text: str) -> dict[str, str]:  # noqa: N802 - Ansible's unsafe wrapper, as --list prints it
    return {"__ansible_unsafe": text}


# `ansible-inventory --list --export` of a two-host NetBox, as Ansible prints it.
EXPORT: dict[str, Any] = {
    "_meta": {
        "hostvars": {
            "sw01": {
                "ansible_host": U("10.44.148.11"),
                "ansible_network_os": U("huawei"),
                "role": U("access-switch"),
                "site": U("qx-cp01"),
                "platform": U("huawei-vrp5"),
                "netbox_tags": [U("sharpeyes-managed")],
                "sharpeyes_ntp_servers": [{"host": U("10.44.3.21"), "iburst": True}],
                "ansible_local": {},
            },
            "vc01": {
                "ansible_host": U("10.44.1.11"),
                "ansible_port": "2201",
                "ansible_user": "ops",
                "ansible_become": "true",
                "role": U("video-server"),
                "site": U("qx-dc"),
                "description": U("{{ lookup('pipe', 'id') }}"),
                "custom_fields": {"gb28181_id": U("44180300002000000001")},
            },
        }
    },
    "all": {
        "children": ["ungrouped", "role_access_switch", "role_video_server", "servers"],
        "vars": {"sharpeyes_ntp_servers": [], "chrony_port": 123},
    },
    "ungrouped": {},
    "role_access_switch": {"hosts": ["sw01"]},
    "role_video_server": {"hosts": ["vc01"]},
    "servers": {"children": ["role_video_server"], "vars": {"chrony_port": 1123}},
}


@pytest.fixture
def inv() -> Inventory:
    return Inventory.from_ansible(copy.deepcopy(EXPORT))


def test_normalised_unwraps_sorts_and_drops_volatile(inv: Inventory) -> None:
    assert sorted(inv.hosts) == ["sw01", "vc01"]
    assert inv.hosts["sw01"]["ansible_host"] == "10.44.148.11"
    assert type(inv.hosts["sw01"]["ansible_host"]) is str
    assert "ansible_local" not in inv.hosts["sw01"]
    assert "ungrouped" not in inv.groups  # empty: dropped, and from all's children too
    assert "ungrouped" not in inv.groups["all"].children
    assert inv.hosts["sw01"]["sharpeyes_ntp_servers"] == [{"host": "10.44.3.21", "iburst": True}]
    # a template-looking NetBox string stays marked, so a snapshot writes it !unsafe
    assert isinstance(inv.hosts["vc01"]["description"], Unsafe)


def test_canonical_and_digest_ignore_input_order(inv: Inventory) -> None:
    shuffled = dict(reversed(list(copy.deepcopy(EXPORT).items())))
    shuffled["all"]["children"] = list(reversed(shuffled["all"]["children"]))
    other = Inventory.from_ansible(shuffled)
    assert other.canonical() == inv.canonical()
    assert other.digest() == inv.digest()
    changed = copy.deepcopy(EXPORT)
    changed["_meta"]["hostvars"]["sw01"]["site"] = U("qx-cp02")
    assert Inventory.from_ansible(changed).digest() != inv.digest()


def test_not_an_inventory_is_refused() -> None:
    with pytest.raises(InputError, match="no 'all' group"):
        Inventory.from_ansible({"_meta": {}})


def test_members_follow_children_and_resolution_follows_depth(inv: Inventory) -> None:
    assert inv.members("servers") == ["vc01"]
    assert inv.members("all") == ["sw01", "vc01"]
    assert inv.host_groups("vc01") == ["role_video_server", "servers"]
    # all (depth 0) < servers (depth 1): the deeper group wins; the host's own vars win over both
    assert inv.resolved_vars("vc01")["chrony_port"] == 1123
    assert inv.resolved_vars("sw01")["chrony_port"] == 123
    assert inv.resolved_vars("sw01")["sharpeyes_ntp_servers"] == [
        {"host": "10.44.3.21", "iburst": True}
    ]
    assert inv.resolved_vars("vc01")["sharpeyes_ntp_servers"] == []


def test_select_by_site_role_and_name(inv: Inventory) -> None:
    assert list(inv.select(role="video-server").hosts) == ["vc01"]
    assert list(inv.select(site="qx-cp01").hosts) == ["sw01"]
    assert list(inv.select(names=["vc*"]).hosts) == ["vc01"]
    picked = inv.select(names=["sw01"])
    assert "role_video_server" not in picked.groups and "servers" not in picked.groups
    assert picked.groups["all"].vars == inv.groups["all"].vars
    with pytest.raises(InputError, match="no host in the inventory matches site=qx-dc role=acc"):
        inv.select(site="qx-dc", role="access-switch")


def test_diff_lists_hosts_groups_and_vars(inv: Inventory) -> None:
    assert diff(inv, inv) == []
    changed = copy.deepcopy(EXPORT)
    hv = changed["_meta"]["hostvars"]
    hv["sw02"] = {"site": U("qx-cp01")}
    changed["role_access_switch"]["hosts"].append("sw02")
    del hv["vc01"]["custom_fields"]
    hv["sw01"]["site"] = U("qx-cp02")
    changed["tag_x"] = {"hosts": ["sw01"]}
    changed["all"]["children"].append("tag_x")
    changed["servers"]["children"] = []
    changed["all"]["vars"]["chrony_port"] = 124
    lines = diff(inv, Inventory.from_ansible(changed))
    assert lines == [
        "+ host sw02",
        '~ host sw01: site "qx-cp01" -> "qx-cp02"',
        "~ host vc01: -custom_fields",
        "+ group tag_x (1 hosts)",
        "~ group all: chrony_port 123 -> 124",
        "~ group role_access_switch: hosts +sw02",
        "~ group servers: children ['role_video_server'] -> []",
    ]


def test_pyinfra_data_maps_connection_keys_and_builds_an_inventory(inv: Inventory) -> None:
    data = inv_pyinfra.host_data(inv, "vc01")
    assert data["ssh_hostname"] == "10.44.1.11"
    assert data["ssh_port"] == 2201
    assert data["ssh_user"] == "ops"
    assert data["_sudo"] is True
    assert data["chrony_port"] == 1123  # group data resolved as Ansible does
    assert data["custom_fields"] == {"gb28181_id": "44180300002000000001"}
    built = inv_pyinfra.build(inv)
    assert sorted(h.name for h in built) == ["sw01", "vc01"]
    assert sorted(h.name for h in built.get_group("servers")) == ["vc01"]
    assert sorted(h.name for h in built.get_group("role_access_switch")) == ["sw01"]
    host = built.get_host("vc01")
    assert host.data.ssh_port == 2201
    assert host.data.get("site") == "qx-dc"
    assert built.get_host("sw01").data.get("ansible_network_os") == "huawei"


def _loaded(inv: Inventory) -> source.Loaded:
    return source.Loaded(inv, (Path("inventory/netbox.yml"),), "http://nb.example", "4.7.3")


def test_snapshot_header_hash_and_refusals(inv: Inventory, tmp_path: Path) -> None:
    text = snapshot.render(_loaded(inv))
    path = tmp_path / "snap.yml"
    path.write_text(text, encoding="utf-8")
    header, body = snapshot.read(path)
    assert header.netbox_url == "http://nb.example"
    assert header.netbox_version == "4.7.3"
    assert header.sources == ("inventory/netbox.yml",)
    assert header.sha256 == snapshot.digest(body)
    assert "!unsafe" in body  # the template-looking NetBox string
    # the same content gives the same hash whenever it is taken
    assert (
        snapshot.render(_loaded(Inventory.from_ansible(copy.deepcopy(EXPORT)))).split("\n")[5]
        == text.split("\n")[5]
    )
    edited = tmp_path / "edited.yml"
    edited.write_text(text.replace("10.44.1.11", "10.44.1.12"), encoding="utf-8")
    with pytest.raises(InputError, match=r"edited.yml: the body does not match its sha256"):
        snapshot.read(edited)
    bad_header = tmp_path / "header.yml"
    bad_header.write_text(text.replace("# sources:", "# source:"), encoding="utf-8")
    with pytest.raises(InputError, match=r"line 4: expected header field 'sources'"):
        snapshot.read(bad_header)
    plain = tmp_path / "plain.yml"
    plain.write_text("all:\n  hosts: {a: null}\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a sharpeyes inventory snapshot"):
        snapshot.read(plain)


def test_snapshot_reads_back_through_ansible_unchanged(inv: Inventory, tmp_path: Path) -> None:
    path = tmp_path / "snap.yml"
    path.write_text(snapshot.render(_loaded(inv)), encoding="utf-8")
    again = snapshot.load(path)
    assert diff(inv, again) == []
    assert again.canonical() == inv.canonical()
    assert isinstance(again.hosts["vc01"]["description"], Unsafe)  # still never templated


def test_cache_plugin_drops_ansible_data_tags_and_keeps_the_data() -> None:
    spec = importlib.util.spec_from_file_location(
        "sharpeyes_jsonfile", Path(__file__).parents[2] / "plugins/cache/sharpeyes_jsonfile.py"
    )
    assert spec and spec.loader
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    raw = '{"count": 1, "results": [{"id": 7, "slug": "qx-dc", "status": {"value": "active"}}]}'
    parsed = DataLoader().load(raw, json_only=True)  # as nb_inventory parses NetBox's answers
    tagged = json.dumps(parsed, cls=_cache_persistence.Encoder)  # as ansible-core caches them
    assert "Origin" in tagged
    untagged = plugin.untag_payload(tagged)
    assert "__ansible_type" not in untagged
    assert json.loads(untagged, cls=_cache_persistence.Decoder) == json.loads(raw)


def test_pyinfra_from_a_snapshot_is_verified_and_filtered(inv: Inventory, tmp_path: Path) -> None:
    path = tmp_path / "snap.yml"
    text = snapshot.render(_loaded(inv))
    path.write_text(text, encoding="utf-8")
    built = inv_pyinfra.from_sources([path], role="video-server")
    assert [h.name for h in built] == ["vc01"]
    assert built.get_host("vc01").data.ssh_port == 2201
    path.write_text(text.replace("2201", "2202"), encoding="utf-8")
    with pytest.raises(InputError, match="does not match its sha256"):
        inv_pyinfra.from_sources([path])
