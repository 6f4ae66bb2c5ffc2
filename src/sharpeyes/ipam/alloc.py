"""Deterministic IPv4 allocation inside a prefix."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from sharpeyes.errors import InputError

# The first addresses of every camera/management prefix are kept for the gateway (.1) and
# station equipment; allocation starts above them.
DEFAULT_RESERVED_LOW = 10


class PrefixExhaustedError(InputError):
    """No free address is left in a prefix."""


def _host_of(value: str | ipaddress.IPv4Address | ipaddress.IPv4Interface) -> ipaddress.IPv4Address:
    # IPv4Interface subclasses IPv4Address: test it first, or `10.0.0.5/24` is kept whole and
    # never equals the address 10.0.0.5 it holds (a used address would be handed out again).
    if isinstance(value, ipaddress.IPv4Interface):
        return value.ip
    if isinstance(value, ipaddress.IPv4Address):
        return value
    return ipaddress.IPv4Interface(value).ip


def next_free(
    prefix: str | ipaddress.IPv4Network,
    in_use: Iterable[str | ipaddress.IPv4Address | ipaddress.IPv4Interface],
    *,
    reserved_low: int = DEFAULT_RESERVED_LOW,
) -> ipaddress.IPv4Interface:
    """Lowest host address of `prefix` not in `in_use` and above the reserved range.

    Returns an interface (address/prefixlen). `in_use` may hold addresses with or without a
    mask; addresses outside the prefix are ignored. Raises PrefixExhaustedError when full.
    """
    net = ipaddress.IPv4Network(prefix, strict=True)
    used = {_host_of(a) for a in in_use}
    first = int(net.network_address) + 1 + reserved_low
    last = int(net.broadcast_address) - 1
    for value in range(first, last + 1):
        addr = ipaddress.IPv4Address(value)
        if addr not in used:
            return ipaddress.IPv4Interface(f"{addr}/{net.prefixlen}")
    raise PrefixExhaustedError(
        f"prefix {net}: no free address above .{reserved_low} ({len(used)} in use)",
        hint="add a prefix for the site or free unused addresses",
    )


def allocate_many(
    prefix: str | ipaddress.IPv4Network,
    in_use: Iterable[str | ipaddress.IPv4Address | ipaddress.IPv4Interface],
    count: int,
    *,
    reserved_low: int = DEFAULT_RESERVED_LOW,
) -> list[ipaddress.IPv4Interface]:
    """`count` addresses, each the next free one after the previous allocations."""
    used: set[ipaddress.IPv4Address] = {_host_of(a) for a in in_use}
    out: list[ipaddress.IPv4Interface] = []
    for _ in range(count):
        iface = next_free(prefix, used, reserved_low=reserved_low)
        used.add(iface.ip)
        out.append(iface)
    return out
