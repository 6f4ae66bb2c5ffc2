"""The state one generation run shares: the spec, the objects built so far, the GB ids taken."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field
from typing import Any

from sharpeyes import vocab
from sharpeyes.ids import gb28181
from sharpeyes.sot.generate.catalogue import TAGS
from sharpeyes.sot.records import Flow
from sharpeyes.sot.spec import Spec


@dataclass
class GeneratedFiles:
    """Objects per dataset file (`estate/dcim.sites.yml`), in build order."""

    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, section: str, endpoint: str, obj: dict[str, Any]) -> None:
        self.files.setdefault(f"{section}/{endpoint}.yml", []).append(obj)

    def of(self, section: str, endpoint: str) -> list[dict[str, Any]]:
        return self.files.get(f"{section}/{endpoint}.yml", [])


class Context:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.out = GeneratedFiles()
        self.gb_ids: set[str] = set()
        self.vrf = spec.addressing.vrf
        self.mgmt_vrf = spec.addressing.mgmt_vrf
        self.aggregate = ipaddress.IPv4Network(spec.addressing.aggregate)

    def custom(self, endpoint: str, obj: dict[str, Any]) -> None:
        self.out.add("custom", endpoint, obj)

    def estate(self, endpoint: str, obj: dict[str, Any]) -> None:
        self.out.add("estate", endpoint, obj)

    def block(self, k: int, third: int, prefixlen: int) -> ipaddress.IPv4Network:
        """Subnet of site number k's block: 10.44.(8k + third).0/prefixlen."""
        size = 2 ** (24 - self.spec.addressing.site_block_prefixlen)
        base = int(self.aggregate.network_address) + ((k * size + third) << 8)
        return ipaddress.IPv4Network(f"{ipaddress.IPv4Address(base)}/{prefixlen}")

    def ip(
        self,
        address: ipaddress.IPv4Interface,
        device: str,
        ifname: str,
        *,
        vrf: str | None = None,
    ) -> None:
        self.estate(
            "ipam.ip-addresses",
            {
                "address": str(address),
                "vrf": vrf or self.vrf,
                "assigned_object": Flow(device=device, name=ifname),
                "dns_name": device,
                "tags": TAGS,
            },
        )

    def gb_id(self, *, base_unit: str, industry: str, type_code: str) -> str:
        """The next free GB id of this stem (allocation order decides the serials)."""
        value = gb28181.allocate(
            self.gb_ids,
            division=self.spec.district.admin_code,
            base_unit=base_unit,
            industry=industry,
            type_code=type_code,
        )
        self.gb_ids.add(value)
        return value

    def cable(self, a: Flow, b: Flow, ctype: str, *, metres: float = 0.0) -> None:
        """A cable; its length is `metres` (the ends' distance) plus the spec's slack, and for
        fibre the route factor, rounded up to the metre."""
        cabling = self.spec.cabling
        if ctype in vocab.FIBRE_CABLE_TYPES:
            length = metres * cabling.fibre_route_factor + cabling.fibre_slack_m
        else:
            length = metres + cabling.copper_slack_m
        self.estate(
            "dcim.cables",
            {
                "a_terminations": [a],
                "b_terminations": [b],
                "type": ctype,
                "length": math.ceil(length),
                "length_unit": vocab.LENGTH_UNIT,
                "tags": TAGS,
            },
        )
