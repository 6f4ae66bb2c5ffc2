"""H3C Comware 7 (S5120V3 series, Release 6xxx-like), the syntax of H3C's Comware 7 command
references: `system-view`, `vlan 10 to 20`, `port access vlan`, `port trunk permit vlan`,
`stp edged-port`, `display vlan brief`, `save` / `save force`, errors as ` % ...`."""

from __future__ import annotations

from sharpeyes.switches.sim import vlans
from sharpeyes.switches.sim.engine import (
    CommandError,
    Handler,
    Session,
    Vendor,
    View,
    order,
    set_line,
    short_name,
    specs,
    undo_line,
)
from sharpeyes.switches.sim.grammar import Grammar
from sharpeyes.switches.sim.model import Config, Platform, Port, SwitchSpec, Vlan, VlanIf
from sharpeyes.switches.sim.vrp import Vrp, _quit, _return

VERSION = "7.1.070, Release 6328P03"
TYPES = ["GigabitEthernet", "Ten-GigabitEthernet", "Vlan-interface"]
PORT_DEFAULT_ON = {"lldp enable"}
GLOBAL_DEFAULT_ON = {"lldp global enable"}
GLOBAL_WORDS = (
    "clock",
    "info-center",
    "dns",
    "lldp",
    "stp",
    "loopback-detection",
    "ip",
    "telnet",
    "ssh",
    "snmp-agent",
    "ntp-service",
    "password-recovery",
)
GLOBAL_PREFIXES = [
    "clock",
    "lldp",
    "stp",
    "loopback-detection",
    "password-recovery",
    "ip",
    "info-center",
    "ntp-service",
    "snmp-agent",
    "telnet",
    "ssh",
]
PORT_PREFIXES = [
    "lldp",
    "poe",
    "broadcast-suppression",
    "multicast-suppression",
    "unicast-suppression",
    "storm-constrain",
    "loopback-detection",
    "stp",
]
GLOBAL_KEYS = {
    ("clock", "timezone"): 2,
    ("stp", "mode"): 2,
    ("snmp-agent", "sys-info", "contact"): 3,
    ("snmp-agent", "sys-info", "location"): 3,
    ("snmp-agent", "sys-info", "version"): 3,
    ("ntp-service", "source"): 2,
    ("info-center", "source"): 2,
}


def _err(text: str) -> CommandError:
    return CommandError(text)


class Comware(Vrp):
    platform: Platform = "h3c-comware7"
    types = TYPES
    vlanif = "Vlan-interface"
    default_link = "access"
    port_default_on = PORT_DEFAULT_ON
    error_indent = " "
    error_prefix = "% "

    def __init__(self) -> None:
        Vendor.__init__(self)
        common: list[tuple[str, Handler]] = [
            ("display current-configuration", self.display_current),
            ("display saved-configuration", self.display_saved),
            ("display interface brief", self.display_interface_brief),
            ("display vlan brief", self.display_vlan_brief),
            ("display vlan all", self.display_vlan_all),
            ("display vlan <vlan>", self.display_vlan_one),
            ("display vlan", self.display_vlan_summary),
            ("display version", self.display_version),
            ("save force", self.save_force),
            ("save", self.save),
        ]
        sub: list[tuple[str, Handler]] = [("quit", _quit), ("return", _return)]
        generic = [(f"{word} <rest>", self._cw_global(word)) for word in GLOBAL_WORDS]
        self.grammars["user"] = Grammar(
            specs(
                [
                    *common,
                    ("system-view", _system_view),
                    ("screen-length disable", _screen_length),
                    ("quit", _quit),
                    ("reboot", self.reboot),
                ]
            )
        )
        self.grammars["system"] = Grammar(
            specs(
                [
                    *common,
                    *sub,
                    ("sysname <word>", self.sysname),
                    ("vlan <vlan>", self.vlan),
                    ("vlan <vlans>", self.vlan_batch),
                    ("undo vlan <vlans>", self.undo_vlan_batch),
                    ("interface <word> <rest>", self.interface),
                    ("undo interface <word> <rest>", self.undo_interface),
                    ("local-user <word> <rest>", self.local_user_view),
                    ("undo local-user <word> <rest>", self.undo_local_user),
                    ("line {vty|class|aux} <rest>", self.line_view),
                    *generic,
                    ("undo {sysname} <rest>", self.undo_sysname),
                    *[(f"undo {w} <rest>", self.cw_undo_global) for w in GLOBAL_WORDS],
                ]
            )
        )
        self.grammars["vlan"] = Grammar(
            specs(
                [
                    *common,
                    *sub,
                    ("description <text>", self.vlan_description),
                    ("undo description", self.vlan_undo_description),
                    ("name <text>", self.vlan_name),
                    ("undo name", self.vlan_undo_name),
                ]
            )
        )
        self.grammars["interface"] = Grammar(
            specs(
                [
                    *common,
                    *sub,
                    ("description <text>", self.if_description),
                    ("undo description", self.if_undo_description),
                    ("shutdown", self.if_shutdown),
                    ("undo shutdown", self.if_undo_shutdown),
                    ("port link-mode bridge", _noop),
                    ("port link-type {access|trunk|hybrid}", self.link_type),
                    ("undo port link-type", self.undo_link_type),
                    ("port access vlan <vlan>", self.default_vlan),
                    ("undo port access vlan", self.undo_default_vlan),
                    ("port trunk permit vlan all", self.allow_all),
                    ("port trunk permit vlan <vlans>", self.allow),
                    ("undo port trunk permit vlan all", self.undo_allow_all),
                    ("undo port trunk permit vlan <vlans>", self.undo_allow),
                    ("poe <rest>", self.port_line),
                    ("stp edged-port", self.port_line),
                    ("stp <rest>", self.port_line),
                    ("broadcast-suppression <rest>", self.suppression("broadcast")),
                    ("multicast-suppression <rest>", self.suppression("multicast")),
                    ("unicast-suppression <rest>", self.suppression("unicast")),
                    ("storm-constrain <rest>", self.port_line),
                    ("loopback-detection <rest>", self.port_line),
                    ("lldp <rest>", self.port_line),
                    ("ip address <ip> <mask>", self.ip_address),
                    ("undo ip address", self.undo_ip_address),
                    (
                        "undo {poe|stp|broadcast-suppression|multicast-suppression|"
                        "unicast-suppression|storm-constrain|loopback-detection|lldp} <rest>",
                        self.port_undo,
                    ),
                ]
            )
        )
        block: list[tuple[str, Handler]] = [
            ("undo <word> <rest>", self.block_undo),
            ("<word> <rest>", self.block_line),
        ]
        self.grammars["local-user"] = Grammar(specs([*common, *sub, *block]))
        self.grammars["line"] = Grammar(specs([*common, *sub, *block]))

    # --- factory --------------------------------------------------------------------------

    def initial_config(self, spec: SwitchSpec, user: str) -> Config:
        cfg = Config(sysname=spec.name, ports={p: Port(p) for p in spec.ports})
        cfg.vlanifs[1] = VlanIf(1)
        cfg.globals = {"ssh server enable": "ssh server enable"}
        cfg.blocks["line class console"] = {"user-role": "user-role network-admin"}
        cfg.blocks["line vty 0 63"] = {
            "authentication-mode": "authentication-mode scheme",
            "user-role": "user-role network-operator",
        }
        cfg.blocks[f"local-user {user} class manage"] = {
            "password": "password hash $h$6$lab$simulated==",
            "service-type": "service-type ssh",
            "authorization-attribute user-role": "authorization-attribute user-role network-admin",
        }
        return cfg

    def banner(self, session: Session) -> str:
        return (
            "\n******************************************************************************\n"
            "* Copyright (c) 2004-2026 New H3C Technologies Co., Ltd. All rights reserved.*\n"
            "* Without the owner's prior written consent,                                 *\n"
            "* no decompiling or reverse-engineering shall be allowed.                    *\n"
            "******************************************************************************\n"
        )

    # --- system view ------------------------------------------------------------------------

    def undo_sysname(self, s: Session, word: str, rest: list[str]) -> None:
        s.cfg.sysname = "H3C"

    def _cw_global(self, word: str) -> Handler:
        def handler(s: Session, rest: list[str]) -> None:
            words = [word, *rest]
            line = " ".join(words)
            if line in GLOBAL_DEFAULT_ON:
                s.cfg.globals.pop("undo " + line, None)
                return
            set_line(s.cfg.globals, line, _key_len(words))

        return handler

    def cw_undo_global(self, s: Session, *parts: object) -> None:
        undo_line(s.cfg.globals, s.words[1:], GLOBAL_DEFAULT_ON)

    def local_user_view(self, s: Session, user: str, rest: list[str]) -> None:
        header = " ".join(["local-user", user, *(rest or ["class", "manage"])])
        existing = next((h for h in s.cfg.blocks if h.split()[:2] == ["local-user", user]), None)
        header = existing or header
        s.cfg.blocks.setdefault(header, {})
        s.enter(View("local-user", f"luser-{header.split()[3]}-{user}", header))

    def undo_local_user(self, s: Session, user: str, rest: list[str]) -> None:
        for header in [h for h in s.cfg.blocks if h.split()[:2] == ["local-user", user]]:
            del s.cfg.blocks[header]

    def line_view(self, s: Session, kind: str, rest: list[str]) -> None:
        header = " ".join(["line", kind, *rest])
        s.cfg.blocks.setdefault(header, {})
        s.enter(
            View(
                "line",
                "line-" + "".join([kind, *rest[:1]]) + "".join(f"-{r}" for r in rest[1:]),
                header,
            )
        )

    def block_line(self, s: Session, word: str, rest: list[str]) -> None:
        key_len = {
            "password": 1,
            "authentication-mode": 1,
            "service-type": None,
            "user-role": None,
            "protocol": 2,
        }.get(word)
        if word == "authorization-attribute":
            key_len = 2
        set_line(s.cfg.blocks[s.view.target], " ".join([word, *rest]), key_len)

    # --- interface view --------------------------------------------------------------------

    def link_type(self, s: Session, kind: str) -> None:
        port = self._port(s)
        if port.link_type == kind:
            return
        if {port.link_type, kind} == {"trunk", "hybrid"}:
            raise _err("Please set the link type of the port to access first.")
        port.link_type = kind
        port.pvid = 1
        port.trunk = {1}

    def default_vlan(self, s: Session, vid: int) -> None:
        port = self._port(s)
        if port.link_type != "access":
            raise _err("Please set the link type of the port to access first.")
        if vid not in s.cfg.vlans:
            raise _err(f"VLAN {vid} does not exist.")
        port.pvid = vid

    def _trunk_port(self, s: Session) -> Port:
        port = self._port(s)
        if port.link_type != "trunk":
            raise _err("Please set the link type of the port to trunk first.")
        return port

    def suppression(self, kind: str) -> Handler:
        def handler(s: Session, rest: list[str]) -> None:
            set_line(self._port(s).extra, " ".join([f"{kind}-suppression", *rest]), 1)

        return handler

    # --- save --------------------------------------------------------------------------

    def save(self, s: Session) -> str:
        def sure(text: str) -> str:
            if text.lower() != "y":
                return "Configuration is not saved!"
            return s.ask(
                "Please input the file name(*.cfg)[flash:/startup.cfg]\n"
                "(To leave the existing filename unchanged, press the enter key):",
                filename,
            )

        def filename(text: str) -> str:
            return s.ask("flash:/startup.cfg exists, overwrite? [Y/N]:", overwrite)

        def overwrite(text: str) -> str:
            if text.lower() != "y":
                return "Configuration is not saved!"
            return self.save_force(s)

        return s.ask(
            "The current configuration will be written to the device. Are you sure? [Y/N]:", sure
        )

    def save_force(self, s: Session) -> str:
        s.switch.save()
        return (
            "Validating file. Please wait...\n"
            "Saved the current configuration to mainboard device successfully."
        )

    # --- display ---------------------------------------------------------------------

    def display_version(self, s: Session) -> str:
        return (
            "H3C Comware Software, Version "
            f"{VERSION}\nCopyright (c) 2004-2026 New H3C Technologies Co., Ltd. All rights "
            f"reserved.\nH3C {s.switch.spec.model or 'S5120V3'} uptime is 0 weeks, 0 days"
        )

    def current_configuration(self, cfg: Config) -> list[str]:
        out = ["#", f" version {VERSION}", "#", f" sysname {cfg.sysname}", "#"]
        early = {k: v for k, v in cfg.globals.items() if not v.startswith(("snmp-agent", "ssh"))}
        late = {k: v for k, v in cfg.globals.items() if v.startswith(("snmp-agent", "ssh"))}
        if early:
            out += [*(f" {line}" for line in order(early, GLOBAL_PREFIXES)), "#"]
        for vid in sorted(cfg.vlans):
            vlan = cfg.vlans[vid]
            out.append(f"vlan {vid}")
            out += [f" name {vlan.name}"] if vlan.name else []
            out += [f" description {vlan.description}"] if vlan.description else []
            out.append("#")
        out += ["interface NULL0", "#"]
        for vid in sorted(cfg.vlanifs):
            vif = cfg.vlanifs[vid]
            out.append(f"interface Vlan-interface{vid}")
            out += [f" description {vif.description}"] if vif.description else []
            if vif.address:
                ip, mask = vif.ip_mask()
                out.append(f" ip address {ip} {mask}")
            out += [" shutdown"] if vif.shutdown else []
            out += [f" {line}" for line in vif.extra.values()]
            out.append("#")
        for port in cfg.ports.values():
            out += [f"interface {port.name}", " port link-mode bridge"]
            out += [f" {line}" for line in self._port_lines(port)]
            out.append("#")
        if late:
            out += [*(f" {line}" for line in order(late, GLOBAL_PREFIXES)), "#"]
        for header, lines in cfg.blocks.items():
            if header.startswith("line"):
                out += [header, *(f" {line}" for line in lines.values()), "#"]
        for header, lines in cfg.blocks.items():
            if header.startswith("local-user"):
                out += [header, *(f" {line}" for line in lines.values()), "#"]
        out.append("return")
        return out

    def _port_lines(self, port: Port) -> list[str]:
        lines = [f"description {port.description}"] if port.description else []
        if port.shutdown:
            lines.append("shutdown")
        if port.link_type != "access":
            lines.append(f"port link-type {port.link_type}")
        if port.link_type == "access" and port.pvid != 1:
            lines.append(f"port access vlan {port.pvid}")
        if port.link_type == "trunk":
            if 1 not in port.trunk:
                lines.append("undo port trunk permit vlan 1")
            if port.trunk:
                lines.append(f"port trunk permit vlan {vlans.format_to(port.trunk)}")
        lines += order(port.extra, PORT_PREFIXES)
        return lines

    def display_interface_brief(self, s: Session) -> str:
        out = [
            "Brief information on interfaces in route mode:",
            "Link: ADM - administratively down; Stby - standby",
            "Protocol: (s) - spoofing",
            "Interface            Link Protocol Primary IP        Description",
            f"{'NULL0':<21}{'UP':<5}{'UP(s)':<9}{'--':<18}".rstrip(),
        ]
        for vid, vif in sorted(s.cfg.vlanifs.items()):
            link = "ADM" if vif.shutdown else "UP"
            proto = "DOWN" if vif.shutdown else "UP"
            ip = vif.address.split("/")[0] if vif.address else "--"
            row = f"{f'Vlan{vid}':<21}{link:<5}{proto:<9}{ip:<18}{vif.description}"
            out.append(row.rstrip())
        out += [
            "",
            "Brief information on interfaces in bridge mode:",
            "Link: ADM - administratively down; Stby - standby",
            "Speed: (a) - auto",
            "Duplex: (a)/A - auto; H - half; F - full",
            "Type: A - access; T - trunk; H - hybrid",
            "Interface            Link Speed     Duplex Type PVID Description",
        ]
        for port in s.cfg.ports.values():
            link, speed, duplex = ("ADM", "auto", "A") if port.shutdown else ("UP", "1G(a)", "F(a)")
            kind = port.link_type[0].upper()
            row = (
                f"{short_name(port.name):<21}{link:<5}{speed:<10}{duplex:<7}{kind:<5}"
                f"{port.pvid:<5}{port.description}"
            )
            out.append(row.rstrip())
        return "\n".join(out)

    def display_vlan_summary(self, s: Session) -> str:
        ids = sorted(s.cfg.vlans)
        names = ", ".join("1(default)" if v == 1 else str(v) for v in ids)
        return f" Total VLANs: {len(ids)}\n The VLANs include:\n {names}"

    def display_vlan_brief(self, s: Session) -> str:
        out = [
            "Brief information about all VLANs:",
            "Supported Minimum VLAN ID: 1",
            "Supported Maximum VLAN ID: 4094",
            "Default VLAN ID: 1",
            "VLAN ID   Name                             Port",
        ]
        for vid in sorted(s.cfg.vlans):
            untagged, tagged = _members(s.cfg, vid)
            ports = " ".join(short_name(p.name) for p in untagged + tagged)
            out.append(f"{vid:<10}{_vlan_name(s.cfg.vlans[vid]):<33}{ports}".rstrip())
        return "\n".join(out)

    def display_vlan_one(self, s: Session, vid: int) -> str:
        if vid not in s.cfg.vlans:
            raise _err(f" VLAN {vid} does not exist.")
        return "\n".join(self._vlan_detail(s.cfg, vid))

    def display_vlan_all(self, s: Session) -> str:
        out: list[str] = []
        for vid in sorted(s.cfg.vlans):
            out += [*self._vlan_detail(s.cfg, vid), ""]
        return "\n".join(out)

    def _vlan_detail(self, cfg: Config, vid: int) -> list[str]:
        vlan = cfg.vlans[vid]
        untagged, tagged = _members(cfg, vid)
        vif = cfg.vlanifs.get(vid)
        out = [
            f" VLAN ID: {vid}",
            " VLAN type: Static",
            f" Route interface: {'Configured' if vif else 'Not configured'}",
        ]
        if vif and vif.address:
            ip, mask = vif.ip_mask()
            out += [f" IPv4 address: {ip}", f" IPv4 subnet mask: {mask}"]
        out += [
            f" Description: {vlan.description or f'VLAN {vid:04d}'}",
            f" Name: {_vlan_name(vlan)}",
        ]
        for title, ports in ((" Tagged ports:", tagged), (" Untagged ports:", untagged)):
            if not ports:
                out.append(f"{title}   None")
                continue
            out.append(title)
            for i in range(0, len(ports), 3):
                out.append("    " + "".join(f"{p.name:<25}" for p in ports[i : i + 3]).rstrip())
        return out


def _vlan_name(vlan: Vlan) -> str:
    return vlan.name or f"VLAN {vlan.vid:04d}"


def _members(cfg: Config, vid: int) -> tuple[list[Port], list[Port]]:
    untagged = [p for p in cfg.ports.values() if p.link_type == "access" and p.pvid == vid]
    untagged += [
        p for p in cfg.ports.values() if p.link_type == "trunk" and p.pvid == vid and vid in p.trunk
    ]
    tagged = [
        p for p in cfg.ports.values() if p.link_type == "trunk" and vid in p.trunk and p.pvid != vid
    ]
    return untagged, tagged


def _key_len(words: list[str]) -> int | None:
    for prefix, key_len in GLOBAL_KEYS.items():
        if tuple(words[: len(prefix)]) == prefix:
            return key_len
    return None


def _noop(s: Session) -> None:
    return None


def _system_view(s: Session) -> str:
    s.views.append(View("system"))
    return "System View: return to User View with Ctrl+Z."


def _screen_length(s: Session) -> None:
    s.paging = False
