#!/usr/bin/python3
"""Install systemd-networkd files safely: stage, check, install, reload, probe, roll back."""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import socket
import subprocess
import time

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: sharpeyes_networkd
short_description: Install systemd-networkd files with a probe of the management path and rollback
description:
  - Writes the given files to a staging directory and checks them (sections, key=value lines, Name/Kind,
    addresses), compares them with the installed files of the same prefix, and when they differ keeps the
    installed ones, installs the new set, runs C(networkctl reload), waits for the addresses, reads what
    networkd logged about the files and probes the management path.
  - On any failure after the install the previous files are restored and re-applied, and the module fails
    with the reason.
  - In safe mode it refuses a set of files that removes the management address from its device.
  - Part of the sharpeyes network role (roles/network/README.md).
options:
  files: {description: File name to content, all starting with prefix., type: dict, required: true}
  config_dir: {description: networkd configuration directory., type: path, default: /etc/systemd/network}
  prefix: {description: Prefix of every file the role owns in config_dir., type: str, required: true}
  state_dir: {description: Staging and rollback copies live here., type: path, required: true}
  probe: {description: List of {address, port}; no port means an ICMP echo., type: list, elements: dict, default: []}
  timeout: {description: Seconds for the addresses to come up and for each probe., type: int, default: 30}
  safe_mode: {description: Refuse to remove the management address from its device., type: bool, default: true}
  management_address: {description: Address carrying the management connection; empty skips safe mode., type: str, default: ""}
"""

SECTIONS = {
    ".netdev": {"NetDev", "Bond", "VLAN"},
    ".network": {"Match", "Link", "Network", "Address", "Route"},
}
REQUIRED = {".netdev": [("NetDev", "Name"), ("NetDev", "Kind")], ".network": [("Match", "Name")]}


def parse(name, text):
    """(problems, {(section, key): [values]}) of one networkd file."""
    kind = os.path.splitext(name)[1]
    problems, values, section = [], {}, None
    if kind not in SECTIONS:
        return [f"{name}: not a .netdev or .network file"], values
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            if section not in SECTIONS[kind]:
                problems.append(f"{name}:{number}: unknown section [{section}]")
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip() or section is None:
            problems.append(f"{name}:{number}: not a key=value line in a section: {line!r}")
            continue
        values.setdefault((section, key.strip()), []).append(value.strip())
        if key.strip() == "Address":
            try:
                ipaddress.ip_interface(value.strip())
            except ValueError:
                problems.append(f"{name}:{number}: Address={value.strip()} is not address/prefix")
    problems += [
        f"{name}: missing {k}= in [{s}]" for s, k in REQUIRED[kind] if (s, k) not in values
    ]
    return problems, values


def read_dir(path, prefix):
    if not os.path.isdir(path):
        return {}
    found = {}
    for name in sorted(os.listdir(path)):
        if name.startswith(prefix) and os.path.isfile(os.path.join(path, name)):
            with open(os.path.join(path, name), encoding="utf-8") as handle:
                found[name] = handle.read()
    return found


def write_dir(path, files, prefix):
    """Make path hold exactly files among the prefix's files (atomic per file). A file whose
    content is already there is left alone: networkd's reload treats a file with a new inode or
    mtime as changed and reconfigures its link, and a reconfigured bond member is taken down and
    out of its bond."""
    os.makedirs(path, mode=0o755, exist_ok=True)
    present = read_dir(path, prefix)
    for name in present:
        if name not in files:
            os.unlink(os.path.join(path, name))
    for name, text in files.items():
        if present.get(name) == text:
            continue
        tmp = os.path.join(path, f".{name}.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, os.path.join(path, name))


def links_and_addresses(files):
    """{link name: [addresses]} of the .network files, and the names of the .netdev files."""
    links = {}
    for name, text in files.items():
        _, values = parse(name, text)
        for link in values.get(("NetDev", "Name"), []) + values.get(("Match", "Name"), []):
            links.setdefault(link, [])
        for link in values.get(("Match", "Name"), []):
            links[link] += values.get(("Network", "Address"), []) + values.get(
                ("Address", "Address"), []
            )
    return links


def run(module, argv, check=False):
    rc, out, err = module.run_command(argv)
    if check and rc != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {(err or out).strip()}")
    return rc, out


def _norm(address):
    return ipaddress.ip_interface(address).with_prefixlen


def stale_addresses(target, other):
    """{link: addresses} the other file set declared on a link and the target set does not: what
    the module's own files put there and nothing will take away once the target set is in place."""
    stale = {}
    for link, addresses in other.items():
        keep = {_norm(a) for a in target.get(link, [])}
        gone = sorted({_norm(a) for a in addresses} - keep)
        if gone:
            stale[link] = gone
    return stale


def addresses_on(module, link):
    """The set of address/prefix on link, None when the link does not exist."""
    rc, out = run(module, ["ip", "-o", "address", "show", "dev", link])
    if rc != 0:
        return None
    fields = out.split()
    return {_norm(fields[i + 1]) for i, f in enumerate(fields[:-1]) if f in ("inet", "inet6")}


def busy_links(module, links):
    """The links networkd is still configuring (setup state pending, initialized, configuring)."""
    _, out = run(module, ["networkctl", "list", "--no-legend", "--no-pager"])
    rows = [line.split() for line in out.splitlines()]
    return sorted(
        row[1]
        for row in rows
        if len(row) >= 5 and row[1] in links and row[4] in ("pending", "initialized", "configuring")
    )


def apply_links(module, want, stale, links, deadline):
    """Re-apply links (those that exist) with `networkctl reconfigure`, then until networkd is done
    with them and every existing link carries its `want` addresses and none of its `stale` ones:
    delete the `stale` addresses networkd leaves (they are the module's own, from the other file
    set, and may steal a route). Returns (missing, left) {link: [addresses]} at the deadline,
    empty when the state is reached (a link the kernel could not create is skipped)."""
    existing = sorted(link for link in links if addresses_on(module, link) is not None)
    if existing:
        run(module, ["networkctl", "reconfigure", *existing])
    checked = set(want) | set(stale)
    while True:
        missing, left = {}, {}
        for link in sorted(checked):
            present = addresses_on(module, link)
            if present is None:
                continue
            for address in [a for a in stale.get(link, []) if a in present]:
                if run(module, ["ip", "address", "del", address, "dev", link])[0] != 0:
                    left.setdefault(link, []).append(address)
            lost = [a for a in want.get(link, []) if _norm(a) not in present]
            if lost:
                missing[link] = lost
        busy = busy_links(module, [link for link in existing if link in checked])
        if not missing and not left and not busy:
            return {}, {}
        if time.monotonic() > deadline:
            return missing, left
        time.sleep(0.5)


def switch_to(module, p, source, want, other, links, check=True):
    """Install the file set staged in `source`, reload networkd and re-apply `links` until every
    link carries its `want` addresses and none that only the `other` set declared; (missing, left)
    as apply_links. Used for the new set and, on failure, for the previous one."""
    write_dir(p["config_dir"], read_dir(source, p["prefix"]), p["prefix"])
    run(module, ["networkctl", "reload"], check=check)
    stale = stale_addresses(want, other)
    return apply_links(module, want, stale, links, time.monotonic() + p["timeout"])


def describe_addresses(timeout, missing, left):
    def listed(found):
        return ", ".join(f"{a} on {link}" for link, addrs in sorted(found.items()) for a in addrs)

    parts = [f"addresses did not come up within {timeout} s: {listed(missing)}"] if missing else []
    if left:
        parts.append(
            f"addresses no longer configured still present after {timeout} s: {listed(left)}"
        )
    return "; ".join(parts)


def probe_one(module, target, timeout):
    address, port = str(target["address"]), target.get("port")
    if port is None:
        rc, _ = run(module, ["ping", "-n", "-c", "1", "-w", str(int(timeout)), address])
        return rc == 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, int(port)), timeout=2):
                return True
        except OSError:
            time.sleep(1)
    return False


def describe(target):
    return f"{target['address']}" + (
        f" tcp/{target['port']}" if target.get("port") is not None else " icmp"
    )


def main():
    module = AnsibleModule(
        argument_spec={
            "files": {"type": "dict", "required": True},
            "config_dir": {"type": "path", "default": "/etc/systemd/network"},
            "prefix": {"type": "str", "required": True},
            "state_dir": {"type": "path", "required": True},
            "probe": {"type": "list", "elements": "dict", "default": []},
            "timeout": {"type": "int", "default": 30},
            "safe_mode": {"type": "bool", "default": True},
            "management_address": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )
    p = module.params
    desired = {
        name: text if text.endswith("\n") else text + "\n" for name, text in p["files"].items()
    }
    strays = [name for name in desired if not name.startswith(p["prefix"])]
    if strays:
        module.fail_json(
            msg=f"network: files outside the prefix {p['prefix']}: {', '.join(strays)}"
        )
    problems = [
        problem for name, text in sorted(desired.items()) for problem in parse(name, text)[0]
    ]
    if problems:
        module.fail_json(msg="network: rendered files do not check: " + "; ".join(problems))

    installed = read_dir(p["config_dir"], p["prefix"])
    changed_files = sorted(name for name in desired if installed.get(name) != desired[name])
    removed = sorted(name for name in installed if name not in desired)
    diff = [
        {
            "before_header": os.path.join(p["config_dir"], name),
            "after_header": os.path.join(p["config_dir"], name),
            "before": installed.get(name, ""),
            "after": desired.get(name, ""),
        }
        for name in changed_files + removed
    ]

    # Safe mode: the management address must stay on its device when the files touch that device.
    address = p["management_address"]
    device = ""
    if address:
        rc, out = run(module, ["ip", "-o", "address", "show", "to", address])
        fields = out.split()
        device = fields[1].split("@")[0] if rc == 0 and len(fields) > 1 else ""
    desired_links = links_and_addresses(desired)
    installed_links = links_and_addresses(installed)
    touched = set(desired_links) | set(installed_links)
    kept = any(
        str(ipaddress.ip_interface(a).ip) == address
        for addrs in desired_links.values()
        for a in addrs
    )
    if p["safe_mode"] and device and device in touched and not kept and (changed_files or removed):
        module.fail_json(
            msg=(
                f"network: safe mode: {address} carries the management connection on {device}, and the new "
                f"configuration removes it from {device}; set network_safe_mode: false to allow it."
            )
        )

    result = {
        "changed": bool(changed_files or removed),
        "files": changed_files,
        "removed": removed,
        "management_device": device,
        "diff": diff,
    }
    if not result["changed"] or module.check_mode:
        module.exit_json(**result)

    # Reconfigured after each reload: the links whose addresses differ between the two sets (not
    # every link of a changed file: reconfiguring a bond member takes it down and out of the bond).
    readdressed = set(stale_addresses(desired_links, installed_links)) | set(
        stale_addresses(installed_links, desired_links)
    )
    staged = os.path.join(p["state_dir"], "staged")
    previous = os.path.join(p["state_dir"], "previous")
    write_dir(staged, desired, p["prefix"])
    if os.path.isdir(previous):
        shutil.rmtree(previous)
    write_dir(previous, installed, p["prefix"])
    since = time.time()
    try:
        missing, left = switch_to(module, p, staged, desired_links, installed_links, readdressed)
        if missing or left:
            raise RuntimeError(describe_addresses(p["timeout"], missing, left))
        _, log = run(
            module,
            [
                "journalctl",
                "--unit",
                "systemd-networkd.service",
                "--since",
                "@%d" % int(since),
                "--output",
                "cat",
                "--no-pager",
                "--quiet",
            ],
        )
        pattern = re.compile(re.escape(os.path.join(p["config_dir"], p["prefix"])) + r"\S*:\d+:")
        complaints = [line.strip() for line in log.splitlines() if pattern.search(line)]
        if complaints:
            raise RuntimeError("systemd-networkd rejected lines: " + " | ".join(complaints))
        lost = [
            describe(target) for target in p["probe"] if not probe_one(module, target, p["timeout"])
        ]
        if lost:
            raise RuntimeError(
                "the management path did not come back within %d s (probe %s)"
                % (p["timeout"], ", ".join(lost))
            )
    except RuntimeError as exc:
        missing, left = switch_to(
            module, p, previous, installed_links, desired_links, readdressed, check=False
        )
        back = all(probe_one(module, target, p["timeout"]) for target in p["probe"])
        restored = "restored and re-applied"
        if missing or left:
            restored = "restored, but not re-applied: " + describe_addresses(
                p["timeout"], missing, left
            )
        module.fail_json(
            msg=(
                f"network: {exc}; the previous configuration was {restored} "
                f"({'management path back' if back else 'management path still down'})."
            ),
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
