"""Command patterns and the matcher that finds which one a typed line is, or where it goes wrong.

A pattern is a space-separated list of tokens:

- `word` a keyword, matched case-insensitively; a unique prefix is accepted (`dis cur`), as the
  vendors' CLIs do (unique among the keywords that may follow the same keywords in this view);
- `{a|b}` one of several keywords;
- `<vlan>` a VLAN id 1-4094; `<int>` a number; `<ip>` an IPv4 address; `<mask>` a dotted mask or
  a prefix length; `<word>` any one token;
- `<vlans>` the rest of the line as a VLAN list (`10 20 to 30`); `<text>` the rest of the line as
  typed (at least one token); `<rest>` the rest of the line, possibly empty.

A failed match says where (token index) and why, which the engine turns into the vendor's caret
line and message: unrecognized keyword, wrong parameter, incomplete command, too many parameters.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sharpeyes.switches.sim import vlans


class Failure(Enum):
    UNRECOGNIZED = "Unrecognized command"
    WRONG_PARAMETER = "Wrong parameter"
    INCOMPLETE = "Incomplete command"
    TOO_MANY = "Too many parameters"
    AMBIGUOUS = "Ambiguous command"


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # character offset in the typed line


def tokenize(line: str) -> list[Token]:
    return [Token(m.group(), m.start()) for m in re.finditer(r"\S+", line)]


_REST = ("<vlans>", "<text>", "<rest>")


@dataclass
class Spec:
    """One command: its pattern, the handler that applies it, and the views it exists in."""

    pattern: str
    handler: Callable[..., str | None]
    parts: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.parts = self.pattern.split()
        for i, part in enumerate(self.parts):
            if part in _REST and i != len(self.parts) - 1:
                raise ValueError(f"{self.pattern!r}: {part} must be last")


@dataclass(frozen=True)
class Match:
    spec: Spec
    args: list[Any]
    words: list[str]  # the line with keywords spelled out in full (abbreviations expanded)


@dataclass(frozen=True)
class Miss:
    failure: Failure
    index: int  # token index; == len(tokens) means "after the end of the line"


def _keywords(part: str) -> list[str]:
    if part.startswith("{") and part.endswith("}"):
        return part[1:-1].split("|")
    if part.startswith("<"):
        return []
    return [part]


class Grammar:
    """The commands of one view; `match` returns a Match or the best Miss."""

    def __init__(self, specs: Sequence[Spec]) -> None:
        self.specs = list(specs)
        # keywords that may follow a given keyword path: for unique-prefix abbreviation
        self._next: dict[tuple[str, ...], set[str]] = {}
        for spec in self.specs:
            path: tuple[str, ...] = ()
            for part in spec.parts:
                words = _keywords(part)
                self._next.setdefault(path, set()).update(words)
                path = (*path, "|".join(words) if words else "<>")

    def _keyword(self, path: tuple[str, ...], typed: str, allowed: list[str]) -> str | None:
        low = typed.lower()
        if low in allowed:
            return low
        candidates = [w for w in self._next.get(path, ()) if w.startswith(low)]
        if len(candidates) == 1 and candidates[0] in allowed:
            return candidates[0]
        return None

    def _ambiguous(self, path: tuple[str, ...], typed: str) -> bool:
        low = typed.lower()
        words = self._next.get(path, set())
        return low not in words and sum(w.startswith(low) for w in words) > 1

    def match(self, tokens: Sequence[Token]) -> Match | Miss:
        best: Miss | None = None
        for spec in self.specs:
            result = self._match_one(spec, tokens)
            if isinstance(result, Match):
                return result
            if best is None or _better(result, best):
                best = result
        return best or Miss(Failure.UNRECOGNIZED, 0)

    def _match_one(self, spec: Spec, tokens: Sequence[Token]) -> Match | Miss:
        args: list[Any] = []
        words: list[str] = []
        path: tuple[str, ...] = ()
        j = 0
        for part in spec.parts:
            if part == "<rest>":
                args.append([t.text for t in tokens[j:]])
                return Match(spec, args, words + [t.text for t in tokens[j:]])
            if j >= len(tokens):
                return Miss(Failure.INCOMPLETE, j)
            typed = tokens[j].text
            keywords = _keywords(part)
            if keywords:
                word = self._keyword(path, typed, keywords)
                if word is None:
                    failure = (
                        Failure.AMBIGUOUS if self._ambiguous(path, typed) else Failure.UNRECOGNIZED
                    )
                    return Miss(failure, j)
                if len(keywords) > 1:
                    args.append(word)
                words.append(word)
                path = (*path, "|".join(keywords))
                j += 1
                continue
            path = (*path, "<>")
            if part == "<vlans>":
                try:
                    args.append(vlans.parse([t.text for t in tokens[j:]]))
                except vlans.VlanListError as exc:
                    at = j + exc.index
                    failure = Failure.INCOMPLETE if at >= len(tokens) else Failure.WRONG_PARAMETER
                    return Miss(failure, at)
                return Match(spec, args, words + [t.text for t in tokens[j:]])
            if part == "<text>":
                args.append(_raw_rest(tokens, j))
                return Match(spec, args, words + [t.text for t in tokens[j:]])
            value = _param(part, typed)
            if value is None:
                return Miss(Failure.WRONG_PARAMETER, j)
            args.append(value)
            words.append(typed)
            j += 1
        if j < len(tokens):
            return Miss(Failure.TOO_MANY, j)
        return Match(spec, args, words)


def _better(a: Miss, b: Miss) -> bool:
    """Further along wins; at the same token, a specific failure beats 'unrecognized'."""
    if a.index != b.index:
        return a.index > b.index
    return b.failure is Failure.UNRECOGNIZED and a.failure is not Failure.UNRECOGNIZED


def _raw_rest(tokens: Sequence[Token], j: int) -> str:
    return " ".join(t.text for t in tokens[j:])


def _param(kind: str, typed: str) -> Any:
    if kind == "<vlan>":
        ok = typed.isdigit() and vlans.MIN_VLAN <= int(typed) <= vlans.MAX_VLAN
        return int(typed) if ok else None
    if kind == "<int>":
        return int(typed) if typed.isdigit() else None
    if kind == "<word>":
        return typed
    if kind == "<ip>":
        try:
            return str(ipaddress.IPv4Address(typed))
        except ValueError:
            return None
    if kind == "<mask>":
        if typed.isdigit() and 0 <= int(typed) <= 32:
            return int(typed)
        try:
            return ipaddress.IPv4Network(f"0.0.0.0/{typed}").prefixlen
        except ValueError:
            return None
    raise ValueError(f"unknown parameter kind {kind}")
