"""Filters of the sharpeyes firewall role: the ordered input rules and the controller lockout check.

Both run on the controller (standard library only) so that the role can refuse a ruleset before
anything reaches the host.
"""

from __future__ import annotations

import ipaddress
from typing import Any

ANY_SOURCE = "any"


def firewall_rules(
    extra: list[dict[str, Any]], service: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The input chain's rules in evaluation order: present extra rules first (an exported drop can
    override a service rule), then the service rules that have at least one source prefix.
    Each rule: name, protos, dport (str), action, any_source, saddr4, saddr6."""
    rules = []
    for rule in extra:
        if rule.get("state", "present") != "present":
            continue
        rules.append(_normalise(rule, any_when_empty=True))
    for rule in service:
        if rule.get("saddr"):
            rules.append(_normalise(rule, any_when_empty=False))
    return rules


def _normalise(rule: dict[str, Any], any_when_empty: bool) -> dict[str, Any]:
    protos = rule.get("proto", "tcp")
    protos = [protos] if isinstance(protos, str) else list(protos)
    sources = [
        ipaddress.ip_network(str(prefix), strict=False) for prefix in rule.get("saddr") or []
    ]
    return {
        "name": str(rule["name"]),
        "protos": protos,
        "dport": str(rule["dport"]),
        "action": rule.get("action", "accept"),
        "any_source": any_when_empty and not sources,
        "saddr4": [str(net) for net in sources if net.version == 4],
        "saddr6": [str(net) for net in sources if net.version == 6],
    }


def _port_matches(dport: str, port: int) -> bool:
    low, _, high = dport.partition("-")
    return int(low) <= port <= int(high or low)


def firewall_lockout(
    rules: list[dict[str, Any]], addresses: list[str], port: int, policy: str
) -> str:
    """Why the ruleset would cut the controller's SSH connection, or '' when it would not.
    The first rule of the input chain matching (address, tcp, port) decides, else the policy."""
    for address in addresses:
        if not address:
            continue
        source = ipaddress.ip_address(address)
        verdict = None
        for rule in rules:
            nets = rule["saddr4"] + rule["saddr6"]
            in_sources = rule["any_source"] or any(
                source in ipaddress.ip_network(net) for net in nets
            )
            if "tcp" in rule["protos"] and in_sources and _port_matches(rule["dport"], int(port)):
                verdict = (rule["action"], rule["name"])
                break
        if verdict is None and policy != "accept":
            return (
                f"the controller {address} (tcp/{port}) matches no rule of chain input, whose "
                f"policy is {policy}"
            )
        if verdict is not None and verdict[0] != "accept":
            return f"rule '{verdict[1]}' of chain input would {verdict[0]} the controller {address} (tcp/{port})"
    return ""


class FilterModule:
    """Ansible's entry point for the filters above."""

    def filters(self) -> dict[str, Any]:
        return {"firewall_rules": firewall_rules, "firewall_lockout": firewall_lockout}
