"""Leased links: a site link per station (to the data centre), a front-end link per hub or
direct point (to its station) and the boundary link (data centre to the boundary platform),
each a circuit with its two terminations. Callers cable the terminations."""

from __future__ import annotations

from sharpeyes import vocab
from sharpeyes.sot.generate import catalogue as cat
from sharpeyes.sot.generate.catalogue import TAGS
from sharpeyes.sot.generate.context import Context
from sharpeyes.sot.records import Flow
from sharpeyes.sot.spec import SiteSpec


def site_link_cid(site: SiteSpec) -> str:
    return f"QX-SL-{site.code}"


def site_link(ctx: Context, site: SiteSpec, main_mbps: float) -> tuple[Flow, Flow]:
    """The station's link to the data centre; returns its (A, Z) terminations."""
    return _circuit(
        ctx,
        ctx.spec.providers.site_links.slug,
        site_link_cid(site),
        ctype=vocab.SITE_LINK,
        kbps=cat.bandwidth_kbps(main_mbps, cat.SITE_LINK_STEPS_MBPS),
        description=f"{site.slug} to the data centre, 3-year lease",
        a=("dcim.site", site.slug),
        z=("dcim.site", ctx.spec.data_centre.slug),
    )


def front_end_cid(point_slug: str) -> str:
    """`QX-FE-PS01-P001` for point `qx-ps01-p001`."""
    return f"QX-FE-{point_slug.removeprefix('qx-').upper()}"


def front_end_link(
    ctx: Context, site: SiteSpec, point_slug: str, *, main_mbps: float
) -> tuple[Flow, Flow]:
    """The point's link to its station; returns its (A at the point, Z at the station)."""
    return _circuit(
        ctx,
        ctx.spec.providers.front_end_links.slug,
        front_end_cid(point_slug),
        ctype=vocab.FRONT_END_LINK,
        kbps=cat.bandwidth_kbps(main_mbps, cat.FE_LINK_STEPS_MBPS),
        description=f"point {point_slug} to {site.slug}, 3-year lease",
        a=("dcim.location", point_slug),
        z=("dcim.site", site.slug),
    )


def boundary_link(ctx: Context) -> tuple[Flow, Flow]:
    b = ctx.spec.boundary
    return _circuit(
        ctx,
        ctx.spec.providers.site_links.slug,
        b.cid,
        ctype=vocab.BOUNDARY_LINK,
        kbps=b.commit_mbps * 1000,
        description="data centre to the video private network boundary platform (illustrative)",
        a=("dcim.site", ctx.spec.data_centre.slug),
        z=("dcim.site", b.slug),
    )


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
) -> tuple[Flow, Flow]:
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
    ends = []
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
        ends.append(Flow(circuit=Flow(provider=provider, cid=cid), term_side=side))
    return ends[0], ends[1]
