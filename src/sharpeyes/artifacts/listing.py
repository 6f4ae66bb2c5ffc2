"""What a run needs offline (`sharpeyes artifacts list`, STYLE 9.7): the pinned vendor packages
of a manifest and the Debian packages each role installs (its `__<role>_*packages` vars)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from sharpeyes import paths
from sharpeyes.artifacts import manifest


@dataclass(frozen=True)
class Needed:
    source: str  # "manifest FILE" or "role NAME (vars/FILE)"
    kind: str  # "vendor" (from the artifact repository) or "debian" (from the apt mirror)
    package: str  # name, or name=version when pinned


def vendor(manifest_path: Path) -> list[Needed]:
    loaded = manifest.load(manifest_path)
    return [Needed(f"manifest {manifest_path}", "vendor", e.pin) for e in loaded.packages]


def roles(roles_dir: Path | None = None) -> list[Needed]:
    """Literal package names in each role's `__<role>_…packages` lists (Jinja items skipped)."""
    base = roles_dir or paths.repo_root() / "roles"
    needed: list[Needed] = []
    for vars_file in sorted(base.glob("*/vars/*.yml")):
        role = vars_file.parent.parent.name
        data = yaml.safe_load(vars_file.read_text(encoding="utf-8")) or {}
        pattern = re.compile(rf"^__{re.escape(role)}_\w*packages$")
        for key, value in sorted(data.items()):
            if not pattern.match(key) or not isinstance(value, list):
                continue
            for item in value:
                if isinstance(item, str) and "{{" not in item:
                    source = f"role {role} ({vars_file.relative_to(base.parent)})"
                    needed.append(Needed(source, "debian", item))
    return needed
