#!/usr/bin/python
# Copyright: the sharpeyes project. Apache-2.0.
"""Read-only probe and plan of the raid role (never changes anything)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: raid_probe
short_description: Probe the disks and md arrays of a host and plan the arrays to build
description:
  - Reads, never writes. Finds each whole disk by serial (udev), its stable C(/dev/disk/by-id) path,
    partitions, signatures (C(wipefs) listing, no erase), mounts and md membership.
  - Compares the disks present with the list the source of truth gives and applies the safe mode
    rules; returns the arrays to create, the members to add, and every refusal as a message.
options:
  serials:
    description: Serials of the data disks the host must have (from NetBox).
    type: list
    elements: str
    required: true
  ignore_serials:
    description: Serials of other disks present that are not data disks (system disks).
    type: list
    elements: str
    default: []
  arrays:
    description: The raid_arrays of the role (name, level, members, spares, chunk_kib).
    type: list
    elements: dict
    default: []
  safe_mode:
    description: Refuse to use a disk with partitions, a signature or a mount.
    type: bool
    default: true
  allowed_serials:
    description: Serials safe mode lets the role wipe.
    type: list
    elements: str
    default: []
  match_required:
    description: Refuse when the disks present do not match I(serials).
    type: bool
    default: true
author:
  - Sharp Eyes infrastructure team
"""

EXAMPLES = r"""
- name: Probe the data disks
  raid_probe:
    serials: [ZR518AF6, ZR2CCB0F]
    arrays: []
"""

RETURN = r"""
disks:
  description: Per serial of a present whole disk, what was found on it.
  returned: always
  type: dict
arrays:
  description: Active md arrays by name (level, uuid, state, degraded, sync, members by serial).
  returned: always
  type: dict
missing:
  description: Serials listed but not present.
  returned: always
  type: list
unexpected:
  description: Serials present but neither listed nor ignored.
  returned: always
  type: list
plan:
  description: Arrays to create (name, level, devices, spares, chunk_kib).
  returned: always
  type: list
refusals:
  description: Why the run must stop, one message each; empty when it may go on.
  returned: always
  type: list
"""

import glob
import json
import os

from ansible.module_utils.basic import AnsibleModule

BY_ID_PREFERENCE = ("scsi-", "ata-", "nvme-", "usb-", "wwn-")


def _run_json(module, cmd):
    rc, out, err = module.run_command(cmd)
    if rc != 0 or not out.strip():
        return {}
    try:
        return json.loads(out)
    except ValueError:
        return {}


def _by_id_links():
    links = {}
    for link in glob.glob("/dev/disk/by-id/*"):
        target = os.path.realpath(link)
        links.setdefault(target, []).append(os.path.basename(link))
    return links


def _by_id_path(dev, serial, links):
    names = [n for n in links.get(dev, []) if "-part" not in n]
    matching = [n for n in names if n.endswith(serial)]
    for prefix in BY_ID_PREFERENCE:
        for name in sorted(matching):
            if name.startswith(prefix):
                return "/dev/disk/by-id/" + name
    if matching:
        return "/dev/disk/by-id/" + sorted(matching)[0]
    return dev


def _mounts(node):
    found = [m for m in (node.get("mountpoints") or []) if m]
    for child in node.get("children") or []:
        found += _mounts(child)
    return found


def _signatures(module, dev):
    data = _run_json(module, ["wipefs", "--json", dev])
    return sorted({s.get("type", "?") for s in data.get("signatures", [])})


def _md_detail(module, dev):
    rc, out, err = module.run_command(["mdadm", "--detail", "--export", dev])
    if rc != 0:
        return {}
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def _read(path, default=""):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return default


def probe(module):
    tree = _run_json(
        module,
        ["lsblk", "--json", "--bytes", "-o", "NAME,PATH,TYPE,SERIAL,SIZE,FSTYPE,MOUNTPOINTS"],
    )
    links = _by_id_links()
    disks = {}
    serial_of_dev = {}
    for node in tree.get("blockdevices", []):
        if node.get("type") != "disk" or not node.get("serial"):
            continue
        dev = node["path"]
        serial = node["serial"].strip()
        children = node.get("children") or []
        disks[serial] = {
            "dev": dev,
            "path": _by_id_path(dev, serial, links),
            "size_bytes": int(node.get("size") or 0),
            "partitions": sorted(c["path"] for c in children if c.get("type") == "part"),
            "holders": sorted(c["path"] for c in children if c.get("type", "").startswith("raid")),
            "mounts": _mounts(node),
            "signatures": _signatures(module, dev),
        }
        serial_of_dev[os.path.basename(os.path.realpath(dev))] = serial
    arrays = {}
    for md in sorted(glob.glob("/sys/block/md*")):
        base = os.path.basename(md)
        detail = _md_detail(module, "/dev/" + base)
        if not detail.get("MD_LEVEL"):
            continue
        name = detail.get("MD_NAME", base).split(":")[-1]
        members = sorted(
            serial_of_dev.get(os.path.basename(s), os.path.basename(s))
            for s in glob.glob(md + "/slaves/*")
        )
        arrays[name] = {
            "dev": "/dev/" + base,
            "level": detail.get("MD_LEVEL"),
            "uuid": detail.get("MD_UUID"),
            "raid_devices": int(detail.get("MD_DEVICES", "0")),
            "degraded": int(_read(md + "/md/degraded", "0") or 0),
            "sync_action": _read(md + "/md/sync_action", "idle"),
            "sync_completed": _read(md + "/md/sync_completed", "none"),
            "array_state": _read(md + "/md/array_state", ""),
            "members": members,
        }
    return disks, arrays


def plan(params, disks, arrays):
    listed = list(params["serials"])
    ignored = set(params["ignore_serials"])
    missing = [s for s in listed if s not in disks]
    unexpected = sorted(s for s in disks if s not in listed and s not in ignored)
    refusals = []
    if params["match_required"] and (missing or unexpected):
        refusals.append(
            "the disks present do not match the source of truth: missing %s; unexpected %s"
            % (", ".join(missing) or "none", ", ".join(unexpected) or "none")
        )
    allowed = set(params["allowed_serials"])
    todo = []
    for spec in params["arrays"]:
        name = spec["name"]
        wanted = list(spec.get("members") or []) + list(spec.get("spares") or [])
        if name in arrays:
            continue  # built already: members are never re-checked nor touched
        absent = [s for s in wanted if s not in disks]
        if absent:
            refusals.append("array %s: member disks not present: %s" % (name, ", ".join(absent)))
            continue
        wipe = []
        for serial in wanted:
            disk = disks[serial]
            found = []
            if disk["partitions"]:
                found.append("partitions " + ", ".join(disk["partitions"]))
            if disk["signatures"]:
                found.append("signatures " + ", ".join(disk["signatures"]))
            if disk["mounts"]:
                found.append("mounted on " + ", ".join(disk["mounts"]))
            if disk["holders"]:
                found.append("in use by " + ", ".join(disk["holders"]))
            if not found:
                continue
            if disk["mounts"] or disk["holders"]:
                refusals.append(
                    "array %s: disk %s (%s) is in use: %s; never touched"
                    % (name, serial, disk["path"], "; ".join(found))
                )
            elif params["safe_mode"] and serial not in allowed:
                refusals.append(
                    "array %s: disk %s (%s) carries %s: refused by safe mode"
                    " (list its serial in raid_allowed_serials to let the role wipe it)"
                    % (name, serial, disk["path"], "; ".join(found))
                )
            else:
                wipe.append(serial)
        todo.append(
            {
                "name": name,
                "level": int(spec.get("level", 6)),
                "chunk_kib": int(spec.get("chunk_kib", 512)),
                "devices": [disks[s]["path"] for s in spec.get("members") or []],
                "spares": [disks[s]["path"] for s in spec.get("spares") or []],
                "wipe": [disks[s]["path"] for s in wipe],
            }
        )
    return missing, unexpected, todo, refusals


def main():
    module = AnsibleModule(
        argument_spec={
            "serials": {"type": "list", "elements": "str", "required": True},
            "ignore_serials": {"type": "list", "elements": "str", "default": []},
            "arrays": {"type": "list", "elements": "dict", "default": []},
            "safe_mode": {"type": "bool", "default": True},
            "allowed_serials": {"type": "list", "elements": "str", "default": []},
            "match_required": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    disks, arrays = probe(module)
    missing, unexpected, todo, refusals = plan(module.params, disks, arrays)
    module.exit_json(
        changed=False,
        disks=disks,
        arrays=arrays,
        missing=missing,
        unexpected=unexpected,
        plan=todo,
        refusals=refusals,
    )


if __name__ == "__main__":
    main()
