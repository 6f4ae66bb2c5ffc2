"""VLAN id lists as the two CLIs write them: `10 20 to 30` (VRP and Comware alike)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

MIN_VLAN = 1
MAX_VLAN = 4094


class VlanListError(ValueError):
    """A VLAN list that does not parse; `index` is the offending token."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


def parse(tokens: Sequence[str]) -> set[int]:
    """`["10", "20", "to", "30"]` -> {10, 20..30}; VlanListError names the bad token."""
    result: set[int] = set()
    i = 0
    if not tokens:
        raise VlanListError("empty VLAN list", 0)
    while i < len(tokens):
        start = _vid(tokens[i], i)
        if i + 1 < len(tokens) and tokens[i + 1].lower() == "to":
            if i + 2 >= len(tokens):
                raise VlanListError("incomplete range", i + 2)
            end = _vid(tokens[i + 2], i + 2)
            if end < start:
                raise VlanListError("range ends before it starts", i + 2)
            result.update(range(start, end + 1))
            i += 3
        else:
            result.add(start)
            i += 1
    return result


def _vid(token: str, index: int) -> int:
    if not token.isdigit() or not MIN_VLAN <= int(token) <= MAX_VLAN:
        raise VlanListError(f"{token!r} is not a VLAN id ({MIN_VLAN}-{MAX_VLAN})", index)
    return int(token)


def ranges(vids: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) runs."""
    out: list[tuple[int, int]] = []
    for vid in sorted(set(vids)):
        if out and vid == out[-1][1] + 1:
            out[-1] = (out[-1][0], vid)
        else:
            out.append((vid, vid))
    return out


def format_to(vids: Iterable[int]) -> str:
    """{10, 20, 21, 22} -> `10 20 to 22` (configuration syntax)."""
    return " ".join(str(a) if a == b else f"{a} to {b}" for a, b in ranges(vids))


def format_dash(vids: Iterable[int]) -> str:
    """{10, 20, 21, 22} -> `10 20-22` (VRP `display port vlan` syntax)."""
    return " ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges(vids))
