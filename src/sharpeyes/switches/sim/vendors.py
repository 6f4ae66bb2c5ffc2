"""The simulated platforms (NetBox platform slug -> CLI) and the constructor of a switch."""

from __future__ import annotations

from functools import cache

from sharpeyes.switches.sim.comware import Comware
from sharpeyes.switches.sim.engine import SimSwitch, Vendor
from sharpeyes.switches.sim.model import PLATFORMS, Config, SwitchSpec
from sharpeyes.switches.sim.vrp import Vrp


@cache
def vendor(platform: str) -> Vendor:
    """The (stateless, shared) CLI of a platform; ValueError for one not simulated."""
    if platform == "huawei-vrp5":
        return Vrp()
    if platform == "h3c-comware7":
        return Comware()
    raise ValueError(f"platform {platform!r} is not simulated (one of {', '.join(PLATFORMS)})")


def make_switch(spec: SwitchSpec, user: str, saved: Config | None = None) -> SimSwitch:
    return SimSwitch(spec, vendor(spec.platform), user, saved)
