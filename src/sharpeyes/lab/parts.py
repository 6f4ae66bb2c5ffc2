"""What `lab up` reports per thing it brought up: a typed result, never text to search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

State = Literal["started", "already running"]


@dataclass(frozen=True)
class PartResult:
    """One thing a lab part brought up: `part` ("netbox", "hosts"), `name` (a URL, a host)."""

    part: str
    name: str
    state: State
    detail: str = ""

    @property
    def started(self) -> bool:
        return self.state == "started"


def format_results(results: list[PartResult]) -> list[str]:
    """One aligned line per result: part, name, state, detail."""
    width = max((len(r.name) for r in results), default=0)
    return [f"{r.part:<7} {r.name:<{width}}  {r.state:<15}  {r.detail}".rstrip() for r in results]
