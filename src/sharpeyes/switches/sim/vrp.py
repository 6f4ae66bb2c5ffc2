"""Huawei VRP 5 (S5735 series, V200R019-like), the syntax of Huawei's S-series command
reference: `system-view`, `vlan batch`, `port link-type`, `port default vlan`,
`port trunk allow-pass vlan`, `display port vlan`, `save` with `Continue? [Y/N]`."""

from __future__ import annotations

from sharpeyes.switches.sim import vlans
from sharpeyes.switches.sim.engine import (
    CommandError,
    Handler,
    ParamError,
    Session,
    Vendor,
    View,
    order,
    positive_line,
    resolve_interface,
    set_line,
    short_name,
    specs,
    undo_line,
)
from sharpeyes.switches.sim.grammar import Grammar
from sharpeyes.switches.sim.model import Config, Platform, Port, SwitchSpec, Vlan, VlanIf

VERSION = "V200R019C10SPC500"
TYPES = ["GigabitEthernet", "XGigabitEthernet", "Vlanif"]
DEFAULT_LINK_TYPE = "hybrid"  # S-series factory default; `port link-type access` shows in config
PORT_DEFAULT_ON = {"poe enable"}  # PoE ports supply power by default: `undo poe enable` shows
GLOBAL_PREFIXES = [
    "clock",
    "info-center",
    "dns",
    "lldp",
    "stp",
    "loopback-detect",
    "http",
    "telnet",
    "stelnet",
    "ssh",
    "snmp-agent",
    "ntp-service",
    "ip route-static",
]
PORT_PREFIXES = ["poe", "stp", "loopback-detect", "storm-control", "lldp"]
LATE_PREFIXES = ("telnet", "stelnet", "ssh", "snmp-agent", "ntp-service", "ip route-static")


# Settings that take one value: re-entering them replaces the line (words that form the key).
GLOBAL_KEYS = {
    ("clock", "timezone"): 2,
    ("stp", "mode"): 2,
    ("snmp-agent", "sys-info", "contact"): 3,
    ("snmp-agent", "sys-info", "location"): 3,
    ("snmp-agent", "sys-info", "version"): 3,
    ("info-center", "timestamp"): 3,
    ("ntp-service", "source-interface"): 2,
    ("info-center", "source-interface"): 2,
}


def global_key_len(words: list[str]) -> int | None:
    for prefix, key_len in GLOBAL_KEYS.items():
        if tuple(words[: len(prefix)]) == prefix:
            return key_len
    return None


def _err(text: str) -> CommandError:
    return CommandError(f"Error: {text}")


class Vrp(Vendor):
    platform: Platform = "huawei-vrp5"
    types = TYPES
    vlanif = "Vlanif"
    default_link = DEFAULT_LINK_TYPE
    port_default_on = PORT_DEFAULT_ON

    def __init__(self) -> None:
        super().__init__()
        common: list[tuple[str, Handler]] = [
            ("display current-configuration", self.display_current),
            ("display saved-configuration", self.display_saved),
            ("display interface brief", self.display_interface_brief),
            ("display port vlan", self.display_port_vlan),
            ("display vlan", self.display_vlan),
            ("display version", self.display_version),
            ("save", self.save),
            ("save force", self.save_force),
        ]
        sub: list[tuple[str, Handler]] = [("quit", _quit), ("return", _return)]
        generic_sys = [
            (f"{word} <rest>", self._global(word))
            for word in (
                "clock",
                "info-center",
                "dns",
                "lldp",
                "stp",
                "loopback-detect",
                "http",
                "telnet",
                "stelnet",
                "ssh",
                "snmp-agent",
                "ntp-service",
            )
        ]
        self.grammars["user"] = Grammar(
            specs(
                [
                    *common,
                    ("system-view", _system_view),
                    ("screen-length 0 temporary", _screen_length),
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
                    ("vlan batch <vlans>", self.vlan_batch),
                    ("vlan <vlan>", self.vlan),
                    ("undo vlan batch <vlans>", self.undo_vlan_batch),
                    ("undo vlan <vlan>", self.undo_vlan),
                    ("interface <word> <rest>", self.interface),
                    ("undo interface <word> <rest>", self.undo_interface),
                    ("aaa", self.aaa),
                    ("user-interface {vty|console|con} <int> <rest>", self.user_interface),
                    ("ip route-static <ip> <mask> <ip>", self.route),
                    *generic_sys,
                    ("undo {sysname} <rest>", self.undo_sysname),
                    ("undo ip route-static <rest>", self.undo_global),
                    *[(f"undo {p.split()[0]} <rest>", self.undo_global) for p, _ in generic_sys],
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
                    ("name <word>", self.vlan_name),
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
                    ("port link-type {access|trunk|hybrid}", self.link_type),
                    ("undo port link-type", self.undo_link_type),
                    ("port default vlan <vlan>", self.default_vlan),
                    ("undo port default vlan", self.undo_default_vlan),
                    ("port trunk allow-pass vlan all", self.allow_all),
                    ("port trunk allow-pass vlan <vlans>", self.allow),
                    ("undo port trunk allow-pass vlan all", self.undo_allow_all),
                    ("undo port trunk allow-pass vlan <vlans>", self.undo_allow),
                    ("poe enable", self.port_line),
                    ("poe <rest>", self.port_line),
                    ("stp edged-port {enable|disable}", self.stp_edged),
                    ("stp <rest>", self.port_line),
                    ("storm-control {broadcast|multicast|unicast} <rest>", self.storm),
                    ("storm-control <rest>", self.port_line),
                    ("loopback-detect <rest>", self.port_line),
                    ("lldp <rest>", self.port_line),
                    ("port-isolate <rest>", self.port_line),
                    ("ip address <ip> <mask>", self.ip_address),
                    ("undo ip address", self.undo_ip_address),
                    (
                        "undo {poe|stp|storm-control|loopback-detect|lldp|port-isolate} <rest>",
                        self.port_undo,
                    ),
                ]
            )
        )
        block: list[tuple[str, Handler]] = [("<word> <rest>", self.block_line)]
        self.grammars["aaa"] = Grammar(
            specs(
                [
                    *common,
                    *sub,
                    ("local-user <word> <rest>", self.local_user),
                    ("undo local-user <word> <rest>", self.block_undo),
                    ("undo <word> <rest>", self.block_undo),
                    *block,
                ]
            )
        )
        self.grammars["user-interface"] = Grammar(
            specs([*common, *sub, ("undo <word> <rest>", self.block_undo), *block])
        )

    # --- factory ---------------------------------------------------------------------------

    def initial_config(self, spec: SwitchSpec, user: str) -> Config:
        cfg = Config(
            sysname=spec.name,
            ports={p: Port(p, link_type=DEFAULT_LINK_TYPE) for p in spec.ports},
        )
        cfg.vlanifs[1] = VlanIf(1)
        cfg.globals = {
            line: line
            for line in (
                "stelnet server enable",
                f"ssh user {user}",
                f"ssh user {user} authentication-type password",
                f"ssh user {user} service-type stelnet",
            )
        }
        cfg.blocks["aaa"] = {
            "authentication-scheme default": "authentication-scheme default",
            "domain default": "domain default",
            f"local-user {user} password": f"local-user {user} password irreversible-cipher "
            "$1a$lab$simulated$",
            f"local-user {user} privilege": f"local-user {user} privilege level 15",
            f"local-user {user} service-type": f"local-user {user} service-type ssh",
        }
        cfg.blocks["user-interface console 0"] = {"authentication-mode": "authentication-mode aaa"}
        cfg.blocks["user-interface vty 0 4"] = {
            "authentication-mode": "authentication-mode aaa",
            "protocol inbound": "protocol inbound ssh",
        }
        return cfg

    def banner(self, session: Session) -> str:
        return (
            "\nInfo: The max number of VTY users is 5, and the number\n"
            "      of current VTY users on line is 1."
        )

    # --- system view -----------------------------------------------------------------------

    def sysname(self, s: Session, name: str) -> None:
        s.cfg.sysname = name

    def undo_sysname(self, s: Session, word: str, rest: list[str]) -> None:
        s.cfg.sysname = "HUAWEI"

    def vlan(self, s: Session, vid: int) -> None:
        s.cfg.vlans.setdefault(vid, Vlan(vid))
        s.enter(View("vlan", f"vlan{vid}", vid))

    def vlan_batch(self, s: Session, vids: set[int]) -> None:
        for vid in sorted(vids):
            s.cfg.vlans.setdefault(vid, Vlan(vid))

    def undo_vlan(self, s: Session, vid: int) -> None:
        self.undo_vlan_batch(s, {vid})

    def undo_vlan_batch(self, s: Session, vids: set[int]) -> str | None:
        if 1 in vids:
            raise _err("The default VLAN cannot be deleted.")
        for vid in vids:
            s.cfg.vlans.pop(vid, None)
        return None

    def interface(self, s: Session, first: str, rest: list[str]) -> None:
        name = self._interface_name(s, first, rest)
        if name.startswith(self.vlanif):
            vid = int(name.removeprefix(self.vlanif))
            s.cfg.vlanifs.setdefault(vid, VlanIf(vid))
        s.enter(View("interface", name, name))

    def _interface_name(self, s: Session, first: str, rest: list[str]) -> str:
        typed = first + "".join(rest)
        found = resolve_interface(typed, self.types, s.cfg.ports)
        if found is None:
            raise ParamError(1)
        name, kind, number = found
        if kind == self.vlanif:
            if not number.isdigit() or not vlans.MIN_VLAN <= int(number) <= vlans.MAX_VLAN:
                raise ParamError(1)
            return name
        if name not in s.cfg.ports:
            raise ParamError(1)
        return name

    def undo_interface(self, s: Session, first: str, rest: list[str]) -> None:
        name = self._interface_name(s, first, rest)
        if not name.startswith(self.vlanif):
            raise _err("Physical interfaces cannot be deleted.")
        s.cfg.vlanifs.pop(int(name.removeprefix(self.vlanif)), None)

    def aaa(self, s: Session) -> None:
        s.cfg.blocks.setdefault("aaa", {})
        s.enter(View("aaa", "aaa", "aaa"))

    def user_interface(self, s: Session, kind: str, first: int, rest: list[str]) -> None:
        kind = "console" if kind == "con" else kind
        header = f"user-interface {kind} {first}" + (f" {rest[0]}" if rest else "")
        if len(rest) > 1 or (rest and not rest[0].isdigit()):
            raise ParamError(3)
        s.cfg.blocks.setdefault(header, {})
        suffix = f"ui-{kind}{first}" + (f"-{rest[0]}" if rest else "")
        s.enter(View("user-interface", suffix, header))

    def route(self, s: Session, ip: str, mask: int, nexthop: str) -> None:
        set_line(s.cfg.globals, f"ip route-static {ip} {_mask(mask)} {nexthop}")

    def _global(self, word: str) -> Handler:
        def handler(s: Session, rest: list[str]) -> None:
            set_line(s.cfg.globals, " ".join([word, *rest]), global_key_len([word, *rest]))

        return handler

    def undo_global(self, s: Session, *parts: object) -> None:
        undo_line(s.cfg.globals, s.words[1:])

    # --- VLAN view ---------------------------------------------------------------------------

    def vlan_description(self, s: Session, text: str) -> None:
        s.cfg.vlans[s.view.target].description = text

    def vlan_undo_description(self, s: Session) -> None:
        s.cfg.vlans[s.view.target].description = ""

    def vlan_name(self, s: Session, name: str) -> None:
        s.cfg.vlans[s.view.target].name = name

    def vlan_undo_name(self, s: Session) -> None:
        s.cfg.vlans[s.view.target].name = ""

    # --- interface view ----------------------------------------------------------------------

    def _port(self, s: Session) -> Port:
        port = s.cfg.ports.get(s.view.target)
        if port is None:
            raise _err("This command is not supported on a VLANIF interface.")
        return port

    def _target(self, s: Session) -> Port | VlanIf:
        name = s.view.target
        if name.startswith(self.vlanif):
            return s.cfg.vlanifs[int(name.removeprefix(self.vlanif))]
        return s.cfg.ports[name]

    def if_description(self, s: Session, text: str) -> None:
        self._target(s).description = text

    def if_undo_description(self, s: Session) -> None:
        self._target(s).description = ""

    def if_shutdown(self, s: Session) -> None:
        self._target(s).shutdown = True

    def if_undo_shutdown(self, s: Session) -> None:
        self._target(s).shutdown = False

    def link_type(self, s: Session, kind: str) -> None:
        port = self._port(s)
        if port.link_type == kind:
            return
        if port.pvid != 1 or port.trunk != {1}:
            raise _err("Please renew the default configurations.")
        port.link_type = kind

    def undo_link_type(self, s: Session) -> None:
        self.link_type(s, self.default_link)

    def default_vlan(self, s: Session, vid: int) -> None:
        port = self._port(s)
        if port.link_type != "access":
            raise _err("The port is not an access port. Change the link type first.")
        if vid not in s.cfg.vlans:
            raise _err(f"The VLAN {vid} does not exist.")
        port.pvid = vid

    def undo_default_vlan(self, s: Session) -> None:
        port = self._port(s)
        if port.link_type == "access":
            port.pvid = 1

    def _trunk_port(self, s: Session) -> Port:
        port = self._port(s)
        if port.link_type != "trunk":
            raise _err("The port is not a trunk port. Change the link type first.")
        return port

    def allow(self, s: Session, vids: set[int]) -> None:
        self._trunk_port(s).trunk |= vids

    def allow_all(self, s: Session) -> None:
        self.allow(s, set(range(vlans.MIN_VLAN, vlans.MAX_VLAN + 1)))

    def undo_allow(self, s: Session, vids: set[int]) -> None:
        self._trunk_port(s).trunk -= vids

    def undo_allow_all(self, s: Session) -> None:
        self._trunk_port(s).trunk = {1}

    def port_line(self, s: Session, *parts: object) -> None:
        positive_line(self._port(s).extra, " ".join(s.words), self.port_default_on)

    def port_undo(self, s: Session, *parts: object) -> None:
        undo_line(self._port(s).extra, s.words[1:], self.port_default_on)

    def stp_edged(self, s: Session, state: str) -> None:
        port = self._port(s)
        port.extra.pop("stp edged-port", None)
        set_line(port.extra, f"stp edged-port {state}", 2)

    def storm(self, s: Session, kind: str, rest: list[str]) -> None:
        set_line(self._port(s).extra, " ".join(["storm-control", kind, *rest]), 2)

    def ip_address(self, s: Session, ip: str, mask: int) -> None:
        target = self._target(s)
        if not isinstance(target, VlanIf):
            raise _err("The interface is a Layer 2 port and cannot be configured with an IP.")
        target.address = f"{ip}/{mask}"

    def undo_ip_address(self, s: Session) -> None:
        target = self._target(s)
        if isinstance(target, VlanIf):
            target.address = ""

    # --- blocks (aaa, user-interface) ---------------------------------------------------------

    def local_user(self, s: Session, user: str, rest: list[str]) -> None:
        if not rest:
            raise _err("Incomplete command.")
        key_len = 4 if rest[0] in ("privilege",) else 3
        set_line(s.cfg.blocks[s.view.target], " ".join(["local-user", user, *rest]), key_len)

    def block_line(self, s: Session, word: str, rest: list[str]) -> None:
        key_len = 2 if word in ("authentication-mode", "protocol", "idle-timeout") else None
        set_line(s.cfg.blocks[s.view.target], " ".join([word, *rest]), key_len)

    def block_undo(self, s: Session, *parts: object) -> None:
        undo_line(s.cfg.blocks[s.view.target], s.words[1:])

    # --- user view -----------------------------------------------------------------------

    def reboot(self, s: Session) -> str:
        def answer(text: str) -> str:
            if text.lower() == "y":
                s.switch.reboot()
                s.closed = True
                return "Info: The system is rebooting."
            return ""

        return s.ask(
            "Info: The system will reboot; unsaved changes are lost. Continue? [Y/N]:", answer
        )

    def save(self, s: Session) -> str:
        def answer(text: str) -> str:
            if text.lower() != "y":
                return "Info: The configuration is not saved."
            s.switch.save()
            return (
                "Now saving the current configuration to the slot 0.\n"
                "Save the configuration successfully."
            )

        return s.ask(
            "The current configuration will be written to flash:/vrpcfg.zip.\n"
            "Are you sure to continue?[Y/N]",
            answer,
        )

    def save_force(self, s: Session) -> str:
        s.switch.save()
        return (
            "Now saving the current configuration to the slot 0.\n"
            "Save the configuration successfully."
        )

    # --- display -----------------------------------------------------------------------

    def display_current(self, s: Session) -> str:
        return "\n".join(self.current_configuration(s.cfg))

    def display_saved(self, s: Session) -> str:
        return "\n".join(self.current_configuration(s.switch.saved))

    def display_version(self, s: Session) -> str:
        return (
            "Huawei Versatile Routing Platform Software\n"
            f"VRP (R) software, Version 5.170 ({s.switch.spec.model or 'S5735'} {VERSION})\n"
            "Copyright (C) 2000-2026 HUAWEI TECH Co., Ltd.\n"
            f"HUAWEI {s.switch.spec.model or 'S5735'} Routing Switch uptime is 0 week, 0 day"
        )

    def current_configuration(self, cfg: Config) -> list[str]:
        out = [f"!Software Version {VERSION}", "#", f"sysname {cfg.sysname}", "#"]
        early = {k: v for k, v in cfg.globals.items() if not v.startswith(LATE_PREFIXES)}
        late = {k: v for k, v in cfg.globals.items() if v.startswith(LATE_PREFIXES)}
        batch = [v for v in cfg.vlans if v != 1]
        if batch:
            out += [f"vlan batch {vlans.format_to(batch)}", "#"]
        if early:
            out += [*order(early, GLOBAL_PREFIXES), "#"]
        for vid in sorted(cfg.vlans):
            vlan = cfg.vlans[vid]
            if vlan.description or vlan.name:
                out.append(f"vlan {vid}")
                out += [f" name {vlan.name}"] if vlan.name else []
                out += [f" description {vlan.description}"] if vlan.description else []
                out.append("#")
        if "aaa" in cfg.blocks:
            out += ["aaa", *(f" {line}" for line in cfg.blocks["aaa"].values()), "#"]
        for vid in sorted(cfg.vlanifs):
            vif = cfg.vlanifs[vid]
            out.append(f"interface Vlanif{vid}")
            out += [f" description {vif.description}"] if vif.description else []
            if vif.address:
                ip, mask = vif.ip_mask()
                out.append(f" ip address {ip} {mask}")
            out += [" shutdown"] if vif.shutdown else []
            out += [f" {line}" for line in vif.extra.values()]
            out.append("#")
        for port in cfg.ports.values():
            out.append(f"interface {port.name}")
            out += [f" {line}" for line in self._port_lines(port)]
            out.append("#")
        if late:
            out += [*order(late, GLOBAL_PREFIXES), "#"]
        for header, lines in cfg.blocks.items():
            if header.startswith("user-interface"):
                out += [header, *(f" {line}" for line in lines.values())]
        out += ["#", "return"]
        return out

    def _port_lines(self, port: Port) -> list[str]:
        lines = [f"description {port.description}"] if port.description else []
        if port.link_type != DEFAULT_LINK_TYPE:
            lines.append(f"port link-type {port.link_type}")
        if port.link_type == "access" and port.pvid != 1:
            lines.append(f"port default vlan {port.pvid}")
        if port.link_type == "trunk":
            if 1 not in port.trunk:
                lines.append("undo port trunk allow-pass vlan 1")
            extra = port.trunk - {1}
            if extra:
                lines.append(f"port trunk allow-pass vlan {vlans.format_to(extra)}")
        lines += order(port.extra, PORT_PREFIXES)
        if port.shutdown:
            lines.append("shutdown")
        return lines

    def display_interface_brief(self, s: Session) -> str:
        out = [
            "PHY: Physical",
            "*down: administratively down",
            "#down: LBDT down",
            "(l): loopback",
            "(s): spoofing",
            "(E): E-Trunk down",
            "(b): BFD down",
            "(B): Bit-error-detection down",
            "(e): ETHOAM down",
            "(d): Dampening Suppressed",
            "(dl): DLDP down",
            "InUti/OutUti: input utility/output utility",
            "Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors",
        ]
        rows: list[tuple[str, str, str, str]] = []
        for port in s.cfg.ports.values():
            state = "*down" if port.shutdown else "up"
            rows.append((port.name, state, "down" if port.shutdown else "up", "0%"))
        rows.append(("NULL0", "up", "up(s)", "0%"))
        for vid, vif in sorted(s.cfg.vlanifs.items()):
            state = "*down" if vif.shutdown else "up"
            rows.append((f"Vlanif{vid}", state, "down" if vif.shutdown else "up", "--"))
        for name, phy, proto, uti in rows:
            out.append(f"{name:<28}{phy:<6}{proto:<10}{uti:>5} {uti:>6}{0:>11}{0:>11}")
        return "\n".join(out)

    def display_port_vlan(self, s: Session) -> str:
        out = [
            "Port                    Link Type    PVID  Trunk VLAN List",
            "-" * 79,
        ]
        for port in s.cfg.ports.values():
            trunk = vlans.format_dash(port.trunk) if port.link_type == "trunk" else "-"
            out.append(f"{port.name:<24}{port.link_type:<13}{port.pvid:<6}{trunk}")
        return "\n".join(out)

    def display_vlan(self, s: Session) -> str:
        cfg = s.cfg
        out = [
            f"The total number of VLANs is : {len(cfg.vlans)}",
            "-" * 80,
            "U: Up;         D: Down;         TG: Tagged;         UT: Untagged;",
            "MP: Vlan-mapping;               ST: Vlan-stacking;",
            "#: ProtocolTransparent-vlan;    *: Management-vlan;",
            "-" * 80,
            "",
            "VID  Type    Ports",
            "-" * 80,
        ]
        for vid in sorted(cfg.vlans):
            untagged, tagged = _members(cfg, vid)
            first = True
            for mode, ports in (("UT", untagged), ("TG", tagged)):
                if not ports:
                    continue
                cells = [f"{short_name(p.name)}({'D' if p.shutdown else 'U'})" for p in ports]
                for i in range(0, len(cells), 4):
                    chunk = "".join(f"{c:<16}" for c in cells[i : i + 4]).rstrip()
                    if i == 0:
                        lead = f"{vid:<5}{'common':<8}" if first else " " * 13
                        out.append(f"{lead}{mode}:{chunk}")
                        first = False
                    else:
                        out.append(" " * 16 + chunk)
            if first:
                out.append(f"{vid:<5}{'common':<8}")
        out += [
            "",
            "VID  Status  Property      MAC-LRN Statistics Description",
            "-" * 80,
        ]
        for vid in sorted(cfg.vlans):
            desc = cfg.vlans[vid].description or f"VLAN {vid:04d}"
            out.append(f"{vid:<5}{'enable':<8}{'default':<14}{'enable':<8}{'disable':<11}{desc}")
        return "\n".join(out)


def _members(cfg: Config, vid: int) -> tuple[list[Port], list[Port]]:
    untagged = [p for p in cfg.ports.values() if p.pvid == vid and p.link_type != "trunk"]
    untagged += [
        p for p in cfg.ports.values() if p.link_type == "trunk" and p.pvid == vid in p.trunk
    ]
    tagged = [
        p for p in cfg.ports.values() if p.link_type == "trunk" and vid in p.trunk and p.pvid != vid
    ]
    return untagged, tagged


def _mask(prefix: int) -> str:
    import ipaddress  # noqa: PLC0415

    return str(ipaddress.IPv4Network(f"0.0.0.0/{prefix}").netmask)


def _quit(s: Session) -> None:
    s.up()


def _return(s: Session) -> None:
    s.to_user()


def _system_view(s: Session) -> str:
    s.views.append(View("system"))
    return "Enter system view, return user view with return command."


def _screen_length(s: Session) -> str:
    s.paging = False
    return "Info: The configuration takes effect on the current user terminal interface only."
