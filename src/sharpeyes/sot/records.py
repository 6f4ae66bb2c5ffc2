"""Building blocks the spec generator writes dataset objects with.

Reading the dataset is `sharpeyes.sot.loader`'s job (the one reader); writing it is
`sharpeyes.sot.dataset.dumps` (the canonical form). What remains here is the generator's
vocabulary for composing objects: `Flow` / `FlowList` mark values that are references or short
lists (plain dict/list to every consumer), `natural_key` orders names as people do, and
`SECTIONS` names the dataset's folders.
"""

from __future__ import annotations

import re
from typing import Any

from sharpeyes.sot.dataset import SECTIONS

__all__ = ["SECTIONS", "Flow", "FlowList", "natural_key"]


class Flow(dict[str, Any]):
    """A reference or short mapping (`{device: x, name: eth0}`); a plain dict to consumers."""


class FlowList(list[Any]):
    """A short sequence (`tags: [sharpeyes-managed]`); a plain list to consumers."""


def natural_key(text: str) -> tuple[tuple[int, str], ...]:
    """Sort key under which `GE0/0/2` < `GE0/0/10`."""
    return tuple(
        (1, f"{int(part):012d}") if part.isdigit() else (0, part)
        for part in re.split(r"(\d+)", text)
    )
