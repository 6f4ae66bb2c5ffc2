"""Render a switch's full configuration from templates/switches/<vendor>.j2.

The output is the configuration as the device displays it (`display current-configuration`),
so the diff against the running configuration is the exact set of commands to send.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import jinja2

from sharpeyes.errors import ValidationFailed
from sharpeyes.paths import repo_root
from sharpeyes.switches.model import Port, Switch, check


def vlan_to(vids: Iterable[int]) -> str:
    """{10, 20, 21, 22} -> `10 20 to 22`, as both CLIs write VLAN lists."""
    runs: list[list[int]] = []
    for vid in sorted(set(vids)):
        if runs and vid == runs[-1][1] + 1:
            runs[-1][1] = vid
        else:
            runs.append([vid, vid])
    return " ".join(str(a) if a == b else f"{a} to {b}" for a, b in runs)


def templates_dir() -> Path:
    return repo_root() / "templates" / "switches"


@cache
def _env(directory: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["vlan_to"] = vlan_to
    return env


def render(sw: Switch, directory: Path | None = None) -> str:
    """The switch's configuration text; ValidationFailed (exit 3) names switch, port, object."""
    problems = check(sw)
    if problems:
        raise ValidationFailed(problems, what=f"switch {sw.name}")
    template = _env(directory or templates_dir()).get_template(f"{sw.vendor}.j2")
    ports = [sw.ports.get(name) or Port(name=name) for name in sw.model_ports]
    text = template.render(sw=sw, s=sw.settings, ports=ports)
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip()) + "\n"
