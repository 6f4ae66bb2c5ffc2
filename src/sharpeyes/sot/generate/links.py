"""Leased links: a site link per station (to the data centre) and a front-end link per hub or
direct point (to its station), each a circuit with its two terminations."""

from __future__ import annotations

from sharpeyes import vocab
from sharpeyes.sot.generate import catalogue as cat
from sharpeyes.sot.generate.catalogue import TAGS
from sharpeyes.sot.generate.context import Context
from sharpeyes.sot.records import Flow
from sharpeyes.sot.spec import SiteSpec


def site_link(ctx: Context, site: SiteSpec, cameras: int) -> None:
    _circuit(
        ctx,
        ctx.spec.providers.site_links.slug,
        f"QX-SL-{site.code}",
        ctype=vocab.SITE_LINK,
        kbps=cat.bandwidth_kbps(cameras, cat.SITE_LINK_STEPS_MBPS),
        description=f"{site.slug} to the data centre, 3-year lease",
        a=("dcim.site", site.slug),
        z=("dcim.site", ctx.spec.data_centre.slug),
    )


def front_end_cid(point_slug: str) -> str:
    """`QX-FE-PS01-P001` for point `qx-ps01-p001`."""
    return f"QX-FE-{point_slug.removeprefix('qx-').upper()}"


def front_end_link(
    ctx: Context, site: SiteSpec, point_slug: str, *, end: Flow, cameras: float, cable_type: str
) -> None:
    """The point's link to its station, cabled to `end` (a switch uplink or a camera port)."""
    prov = ctx.spec.providers.front_end_links.slug
    cid = front_end_cid(point_slug)
    _circuit(
        ctx,
        prov,
        cid,
        ctype=vocab.FRONT_END_LINK,
        kbps=cat.bandwidth_kbps(cameras, cat.FE_LINK_STEPS_MBPS),
        description=f"point {point_slug} to {site.slug}, 3-year lease",
        a=("dcim.location", point_slug),
        z=("dcim.site", site.slug),
    )
    ctx.cable(end, Flow(circuit=Flow(provider=prov, cid=cid), term_side="A"), cable_type)


def _circuit(
    ctx: Context,
    provider: str,
    cid: str,
    *,
    ctype: str,
    kbps: int,
    description: str,
    a: tuple[str, str],
    z: tuple[str, str],
) -> None:
    """The circuit and its terminations; `a`/`z` are (termination type, target natural key)."""
    term = ctx.spec.term
    ctx.estate(
        "circuits.circuits",
        {
            "cid": cid,
            "provider": provider,
            "type": ctype,
            "tenant": ctx.spec.tenant.slug,
            "commit_rate": kbps,
            "install_date": term.install_date,
            "termination_date": term.termination_date,
            "description": description,
            "tags": TAGS,
        },
    )
    for side, (ttype, target) in (("A", a), ("Z", z)):
        ctx.estate(
            "circuits.circuit-terminations",
            {
                "circuit": Flow(provider=provider, cid=cid),
                "term_side": side,
                "termination_type": ttype,
                "termination": target,
                "tags": TAGS,
            },
        )
