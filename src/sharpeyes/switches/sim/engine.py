"""The CLI of one simulated switch: views, prompts, grammar dispatch, errors, running vs saved.

`Session.feed(line)` takes one typed line and returns what the device prints back (output, then
the next prompt), without the echo of the line itself (the terminal does that). Vendors
(`vrp.Vrp`, `comware.Comware`) supply the grammar per view, the handlers and the `display`
renderings; this module knows neither vendor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sharpeyes.switches.sim.grammar import Failure, Grammar, Match, Miss, Spec, Token, tokenize
from sharpeyes.switches.sim.model import Config, Platform, SwitchSpec


class CommandError(Exception):
    """A command the device refuses after parsing it; `str()` is what the device prints."""


class ParamError(Exception):
    """A parameter the grammar accepted but the device rejects at token `index` (e.g. a port
    the device type does not have): shown with the caret, as a wrong parameter."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


@dataclass
class View:
    kind: str  # user | system | interface | vlan | <block kinds of the vendor>
    suffix: str = ""  # the part after `name-` in the prompt
    target: Any = None  # interface name, VLAN id or block header


@dataclass
class Faults:
    """Injected faults, changed at run time through the control socket."""

    drop_after: int | None = None  # close the session when this many commands were received
    reject: list[str] = field(default_factory=list)  # regexes: matching commands are refused
    delay: float = 0.0  # seconds before every reply

    def rejects(self, line: str) -> bool:
        return any(re.search(pattern, line) for pattern in self.reject)


class Vendor:
    """Base of a vendor's CLI; subclasses fill `grammars` and the renderers."""

    platform: Platform
    error_indent = ""  # Comware prints errors indented by one space
    error_prefix = "Error: "

    def __init__(self) -> None:
        self.grammars: dict[str, Grammar] = {}

    def initial_config(self, spec: SwitchSpec, user: str) -> Config:
        raise NotImplementedError

    def banner(self, session: Session) -> str:
        return ""

    def current_configuration(self, cfg: Config) -> list[str]:
        raise NotImplementedError

    def syntax_error(self, failure: Failure) -> str:
        return f"{self.error_indent}{self.error_prefix}{failure.value} found at '^' position."

    def rejected(self, line: str) -> str:
        return f"{self.error_indent}{self.error_prefix}The command is rejected (injected fault)."

    def parents(self, kind: str) -> list[str]:
        """Views whose commands a sub-view also accepts (tried in order, nearest first)."""
        return [] if kind in ("user", "system") else ["system"]


class SimSwitch:
    """One switch: its spec, its vendor, running and saved configuration, faults."""

    def __init__(self, spec: SwitchSpec, vendor: Vendor, user: str, saved: Config | None = None):
        self.spec = spec
        self.vendor = vendor
        self.user = user
        self.saved = saved if saved is not None else vendor.initial_config(spec, user)
        self.running = self.saved.copy()
        self.faults = Faults()
        self.changed = False  # running differs from what was last persisted

    def save(self) -> None:
        self.saved = self.running.copy()

    def reboot(self) -> None:
        """A power cycle: the unsaved changes are lost."""
        self.running = self.saved.copy()

    def current_configuration(self, saved: bool = False) -> str:
        cfg = self.saved if saved else self.running
        return "\n".join(self.vendor.current_configuration(cfg))


Handler = Callable[..., str | None]


class Session:
    """One login on one switch."""

    def __init__(self, switch: SimSwitch) -> None:
        self.switch = switch
        self.vendor = switch.vendor
        self.views: list[View] = [View("user")]
        self.pending: Callable[[str], str] | None = None  # a question waiting for its answer
        self.closed = False
        self.commands = 0
        self.paging = True
        self.words: list[str] = []  # the command being run, keywords in full

    @property
    def cfg(self) -> Config:
        return self.switch.running

    @property
    def view(self) -> View:
        return self.views[-1]

    def prompt(self) -> str:
        name = self.cfg.sysname
        if self.view.kind == "user":
            return f"<{name}>"
        return f"[{name}-{self.view.suffix}]" if self.view.suffix else f"[{name}]"

    def greeting(self) -> str:
        banner = self.vendor.banner(self)
        return (banner + "\n" if banner else "") + self.prompt()

    # --- navigation, for handlers ---------------------------------------------------------

    def enter(self, view: View) -> None:
        if self.view.kind not in ("user", "system"):
            self.views.pop()
        self.views.append(view)

    def up(self) -> None:
        """`quit`: one view up; from the user view, log out."""
        if len(self.views) == 1:
            self.closed = True
        else:
            self.views.pop()

    def to_user(self) -> None:
        del self.views[1:]

    def ask(self, question: str, then: Callable[[str], str]) -> str:
        self.pending = then
        return question

    # --- input ----------------------------------------------------------------------------

    def feed(self, line: str) -> str:
        """Process one typed line; returns the reply, ending with the next prompt (or the
        pending question, or nothing once the session is closed)."""
        if self.pending is not None:
            answer, self.pending = self.pending, None
            out = answer(line.strip())
        else:
            out = self.execute(line)
        if self.closed:
            return out + "\n" if out else ""
        if self.pending is not None:
            return out
        return (out + "\n" if out else "") + self.prompt()

    def execute(self, line: str) -> str:
        if not line.strip():
            return ""
        self.commands += 1
        if self.switch.faults.rejects(line.strip()):
            return self.vendor.rejected(line)
        command, pipe = _split_pipe(line)
        tokens = tokenize(command)
        found, level = self._dispatch(tokens)
        prompt = self.prompt()
        if isinstance(found, Miss):
            caret = _caret(prompt, line, tokens, found.index)
            return caret + "\n" + self.vendor.syntax_error(found.failure)
        views = list(self.views)
        if level is not None:
            del self.views[level + 1 :]
        self.words = found.words
        try:
            out = found.spec.handler(self, *found.args) or ""
        except CommandError as exc:
            self.views = views
            return str(exc)
        except ParamError as exc:
            self.views = views
            caret = _caret(prompt, line, tokens, exc.index)
            return caret + "\n" + self.vendor.syntax_error(Failure.WRONG_PARAMETER)
        if pipe is not None and out:
            out = _filter(out, pipe)
        return out

    def _dispatch(self, tokens: list[Token]) -> tuple[Match | Miss, int | None]:
        """Match in the current view, then in its parents (a system-view command typed in an
        interface view runs in system view, as on both vendors). The level is the index in
        `views` to return to, None to stay."""
        first = self.vendor.grammars[self.view.kind].match(tokens)
        if isinstance(first, Match):
            return first, None
        for parent in self.vendor.parents(self.view.kind):
            found = self.vendor.grammars[parent].match(tokens)
            if isinstance(found, Match):
                level = next(i for i, v in enumerate(self.views) if v.kind == parent)
                return found, level
        return first, None


def _caret(prompt: str, line: str, tokens: list[Token], index: int) -> str:
    """The caret under the offending token of the echoed line (prompt + line)."""
    offset = len(line.rstrip()) + 1 if index >= len(tokens) else tokens[index].start
    return " " * (len(prompt) + offset) + "^"


def _split_pipe(line: str) -> tuple[str, tuple[str, str] | None]:
    m = re.match(r"^(?P<cmd>.*?)\s+\|\s+(?P<op>include|begin|exclude)\s+(?P<rx>.+?)\s*$", line)
    if not m:
        return line, None
    return m.group("cmd"), (m.group("op"), m.group("rx"))


def _filter(out: str, pipe: tuple[str, str]) -> str:
    op, pattern = pipe
    rx = re.compile(pattern)
    lines = out.split("\n")
    if op == "include":
        return "\n".join(line for line in lines if rx.search(line))
    if op == "exclude":
        return "\n".join(line for line in lines if not rx.search(line))
    for i, line in enumerate(lines):
        if rx.search(line):
            return "\n".join(lines[i:])
    return ""


def specs(table: list[tuple[str, Handler]]) -> list[Spec]:
    return [Spec(pattern, handler) for pattern, handler in table]


# --- helpers the vendors share -------------------------------------------------------------


def set_line(store: dict[str, str], line: str, key_len: int | None = None) -> None:
    """Store `line` under its first `key_len` words (the whole line when None)."""
    words = line.split()
    key = " ".join(words[:key_len]) if key_len else " ".join(words)
    store[key] = " ".join(words)


def undo_line(store: dict[str, str], words: list[str], default_on: set[str] | None = None) -> None:
    """`undo <words>`: remove every line that is, or starts with, `words`; for a feature that
    is on by default (in `default_on`) store the `undo` line instead."""
    text = " ".join(words)
    for key in [k for k, v in store.items() if v == text or v.startswith(text + " ")]:
        del store[key]
    if default_on and text in default_on:
        store["undo " + text] = "undo " + text


def positive_line(store: dict[str, str], line: str, default_on: set[str]) -> None:
    """A feature that is on by default: enabling it removes its `undo` line, stores nothing."""
    if line in default_on:
        store.pop("undo " + line, None)
    else:
        set_line(store, line)


def order(lines: dict[str, str], priority: list[str]) -> list[str]:
    """Lines sorted by the first matching prefix in `priority`, then as entered."""

    def rank(item: tuple[int, str]) -> tuple[int, int]:
        idx, line = item
        body = line.removeprefix("undo ")
        for i, prefix in enumerate(priority):
            if body.startswith(prefix):
                return i, idx
        return len(priority), idx

    return [line for _, line in sorted(enumerate(lines.values()), key=rank)]


PORT_SHORT = {
    "GigabitEthernet": "GE",
    "XGigabitEthernet": "XGE",
    "Ten-GigabitEthernet": "XGE",
    "Vlan-interface": "Vlan",
}


def short_name(name: str) -> str:
    m = re.match(r"^([A-Za-z-]+)(.*)$", name)
    if not m:
        return name
    return PORT_SHORT.get(m.group(1), m.group(1)) + m.group(2)


def resolve_interface(
    typed: str, types: list[str], ports: dict[str, Any]
) -> tuple[str, str, str] | None:
    """`gi0/0/1`, `GigabitEthernet 0/0/1` -> (canonical name, type, number), by unique prefix of
    the type; None when the type is unknown or ambiguous."""
    m = re.match(r"^([A-Za-z-]+)\s*([\d/]+)$", typed)
    if not m:
        return None
    kind, number = m.group(1).lower(), m.group(2)
    exact = [t for t in types if t.lower() == kind]
    found = exact or [t for t in types if t.lower().startswith(kind)]
    if len(found) != 1:
        return None
    return f"{found[0]}{number}", found[0], number
