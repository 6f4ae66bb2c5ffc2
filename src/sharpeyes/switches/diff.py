"""The exact commands that take a switch from its running configuration to the rendered one.

hier_config 3.x computes the tree difference with drivers of our own (`VrpDriver`,
`Comware7Driver`). Its stock VRP driver would send `undo vlan batch <old list>` before the new
list and replace trunk VLAN lists (traffic drops), and it has no Comware 7 driver, so the
VLAN-bearing lines are taken out before hier_config sees them and remediated here:

- `vlan batch` (VRP): only the VLANs to add (`vlan batch 300`) and to remove
  (`undo vlan batch 400`), never the whole list;
- trunk VLAN lists: `port trunk allow-pass|permit vlan <added>` and `undo ... vlan <removed>`;
- port link type: VLAN settings back to their defaults first (VRP refuses a link-type change
  otherwise), then `port link-type`, then the new VLAN settings;
- physical interfaces are never deleted (`undo interface GigabitEthernet...` is dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hier_config import WorkflowRemediation, get_hconfig
from hier_config.child import HConfigChild
from hier_config.models import IdempotentCommandsRule, MatchRule, OrderingRule, PerLineSubRule
from hier_config.platforms.driver_base import HConfigDriverBase, HConfigDriverRules
from hier_config.platforms.huawei_vrp.driver import HConfigDriverHuaweiVrp

from sharpeyes.vocab import PLATFORM_COMWARE, PLATFORM_VRP

PHYSICAL = re.compile(r"^(undo )?interface (GigabitEthernet|XGigabitEthernet|Ten-GigabitEthernet)")
_SKIP = re.compile(r"^\s*(#|!|return\s*$|version )|^\s*$")


def _idempotent(*lineage: str) -> IdempotentCommandsRule:
    return IdempotentCommandsRule(match_rules=tuple(MatchRule(startswith=s) for s in lineage))


def _rules() -> HConfigDriverRules:
    return HConfigDriverRules(
        # single-valued settings: the new line replaces the old, no `undo` of the old value
        idempotent_commands=[
            IdempotentCommandsRule(
                match_rules=(
                    MatchRule(equals="aaa"),
                    MatchRule(re_search=r"^local-user \S+ password "),
                )
            ),
            _idempotent("local-user ", "password "),
            _idempotent("interface ", "description "),
            _idempotent("interface ", "ip address "),
            _idempotent("vlan ", "name "),
            _idempotent("sysname "),
            _idempotent("snmp-agent sys-info "),
        ],
        per_line_sub=[PerLineSubRule(search=r"^\s*[#!].*", replace="")],
        ordering=[
            OrderingRule(match_rules=(MatchRule(startswith="vlan"),), weight=-100),
            OrderingRule(match_rules=(MatchRule(startswith="undo vlan"),), weight=100),
        ],
    )


class VrpDriver(HConfigDriverHuaweiVrp):
    """Huawei VRP 5 with our rules (VLAN lists handled outside hier_config)."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        return _rules()


class Comware7Driver(HConfigDriverBase):
    """H3C Comware 7: `undo` negation, `quit` to leave a view, `#` separators ignored."""

    @property
    def negation_prefix(self) -> str:
        return "undo "

    def swap_negation(self, child: HConfigChild) -> HConfigChild:
        if child.text.startswith("undo "):
            child.text = child.text.removeprefix("undo ")
        elif child.text.startswith("description "):
            child.text = "undo description"
        else:
            child.text = f"undo {child.text}"
        return child

    def sectional_exit(self, config: HConfigChild) -> str | None:
        result = super().sectional_exit(config)
        return "quit" if result == "exit" else result

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        return _rules()


@dataclass
class PortVlans:
    """A port's VLAN-bearing settings (link type, access VLAN, trunk list)."""

    link_type: str = ""
    access: str = ""  # the whole line, e.g. `port default vlan 100`
    trunk: set[int] = field(default_factory=lambda: {1})


@dataclass
class Parsed:
    text: str  # configuration without the VLAN-bearing lines, for hier_config
    batch: set[int]
    ports: dict[str, PortVlans]


def _vids(tokens: list[str]) -> set[int]:
    out: set[int] = set()
    i = 0
    while i < len(tokens):
        if i + 2 < len(tokens) and tokens[i + 1] == "to":
            out.update(range(int(tokens[i]), int(tokens[i + 2]) + 1))
            i += 3
        else:
            out.add(int(tokens[i]))
            i += 1
    return out


def vlan_to(vids: set[int]) -> str:
    runs: list[list[int]] = []
    for vid in sorted(vids):
        if runs and vid == runs[-1][1] + 1:
            runs[-1][1] = vid
        else:
            runs.append([vid, vid])
    return " ".join(str(a) if a == b else f"{a} to {b}" for a, b in runs)


class Vendor:
    platform = ""
    driver: type[HConfigDriverBase] = VrpDriver
    default_link = ""
    access_prefix = ""
    trunk_prefix = ""

    def normalise(self, text: str) -> list[str]:
        """Lines without separators; blocks whose first line is indented (Comware globals) and
        single-space global lines are dedented so hier_config sees the tree."""
        out: list[str] = []
        block_indented = False
        prev_sep = True
        for raw in text.splitlines():
            if raw.strip().startswith("#"):
                block_indented, prev_sep = False, True
                continue
            if _SKIP.match(raw):
                continue
            line = raw.rstrip()
            if line.startswith(" ") and (block_indented or prev_sep):
                block_indented = True
                line = line.strip()
            prev_sep = False
            out.append(line)
        return out

    def parse(self, text: str) -> Parsed:
        kept: list[str] = []
        batch: set[int] = set()
        ports: dict[str, PortVlans] = {}
        current: PortVlans | None = None
        for line in self.normalise(text):
            if not line.startswith(" "):
                current = None
                if line.startswith("interface ") and PHYSICAL.match(line):
                    current = ports.setdefault(line.split()[1], PortVlans())
                    current.link_type = self.default_link
                if line.startswith("vlan batch "):
                    batch |= _vids(line.split()[2:])
                    continue
                kept.append(line)
                continue
            body = line.strip()
            if current is not None:
                if body.startswith("port link-type "):
                    current.link_type = body.split()[2]
                    continue
                if body.startswith(self.access_prefix):
                    current.access = body
                    continue
                if body == f"undo {self.trunk_prefix}1":
                    current.trunk.discard(1)
                    continue
                if body.startswith(self.trunk_prefix):
                    current.trunk |= _vids(body.removeprefix(self.trunk_prefix).split())
                    continue
            kept.append(line)
        return Parsed("\n".join(kept) + "\n", batch, ports)

    def port_commands(self, old: PortVlans, new: PortVlans) -> list[str]:
        """VLAN settings of one port: defaults first when the link type changes."""
        cmds: list[str] = []
        if old.link_type != new.link_type:
            if old.access:
                cmds.append(f"undo {self.access_prefix.rstrip()}")
            if old.trunk != {1}:
                extra = old.trunk - {1}
                if extra:
                    cmds.append(f"undo {self.trunk_prefix}{vlan_to(extra)}")
                if 1 not in old.trunk:
                    cmds.append(f"{self.trunk_prefix}1")
            cmds.append(f"port link-type {new.link_type}")
            old = PortVlans(link_type=new.link_type)
        if new.access != old.access:
            if new.access:
                cmds.append(new.access)
            else:
                cmds.append(f"undo {self.access_prefix.rstrip()}")
        added, removed = new.trunk - old.trunk, old.trunk - new.trunk
        if new.link_type == "trunk" and added:
            cmds.append(f"{self.trunk_prefix}{vlan_to(added)}")
        if removed:
            cmds.append(f"undo {self.trunk_prefix}{vlan_to(removed)}")
        return cmds


class Vrp(Vendor):
    platform = PLATFORM_VRP
    driver = VrpDriver
    default_link = "hybrid"
    access_prefix = "port default vlan "
    trunk_prefix = "port trunk allow-pass vlan "


class Comware(Vendor):
    platform = PLATFORM_COMWARE
    driver = Comware7Driver
    default_link = "access"
    access_prefix = "port access vlan "
    trunk_prefix = "port trunk permit vlan "


VENDORS: dict[str, Vendor] = {PLATFORM_VRP: Vrp(), PLATFORM_COMWARE: Comware()}


def remediation(platform: str, running: str, intended: str) -> list[str]:
    """The commands, in order, to send in system view (each view left with `quit`)."""
    vendor = VENDORS[platform]
    run, want = vendor.parse(running), vendor.parse(intended)
    driver = vendor.driver()
    workflow = WorkflowRemediation(get_hconfig(driver, run.text), get_hconfig(driver, want.text))
    tree = workflow.remediation_config
    head: list[str] = []
    if want.batch - run.batch:
        head.append(f"vlan batch {vlan_to(want.batch - run.batch)}")
    tail: list[str] = []
    if run.batch - want.batch:
        tail.append(f"undo vlan batch {vlan_to(run.batch - want.batch)}")
    port_cmds = {
        name: vendor.port_commands(run.ports.get(name, PortVlans(vendor.default_link)), new)
        for name, new in want.ports.items()
    }
    body: list[str] = []
    seen: set[str] = set()
    for child in tree.all_children_sorted():
        if child.depth() != 1:
            continue
        if PHYSICAL.match(child.text) and child.text.startswith("undo "):
            continue  # never delete a physical port
        if platform == PLATFORM_VRP and re.match(r"^undo vlan \d+$", child.text):
            continue  # VRP VLANs go with `vlan batch`; a lost name is not a deleted VLAN
        sub = [c.text for c in child.all_children_sorted() if c.depth() == 2]
        port = child.text.removeprefix("interface ") if child.text.startswith("interface ") else ""
        if port in port_cmds:
            sub = _order_port(port_cmds[port], sub)
            seen.add(port)
        if child.children or sub:
            body += [child.text, *(f" {s}" for s in sub), "quit"]
        else:
            body.append(child.text)
    for port, cmds in port_cmds.items():
        if port not in seen and cmds:
            body += [f"interface {port}", *(f" {c}" for c in cmds), "quit"]
    # VLANs exist before the ports that use them and disappear after
    adds = [c for c in body if not c.startswith("undo vlan")]
    drops = [c for c in body if c.startswith("undo vlan")]
    return head + adds + tail + drops


def _order_port(vlan_cmds: list[str], other: list[str]) -> list[str]:
    return vlan_cmds + other


def rollback(platform: str, current: str, backup: str) -> list[str]:
    """The commands that bring a switch from `current` back to its backup."""
    return remediation(platform, current, backup)
