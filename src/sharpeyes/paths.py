"""Where things live: the repo, the lab state directory and the cache directory.

State (`.lab/` at the repo root, git-ignored) holds what `lab up` creates and may be wiped at any
time; the cache (`~/.cache/sharpeyes`) holds what is expensive to rebuild (migrated NetBox dumps,
debootstrap images) and is keyed so that a stale entry is never reused.
Both can be moved with SHARPEYES_STATE_DIR and SHARPEYES_CACHE_DIR.
"""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The checkout this package was installed from (editable install), else the CWD."""
    env = os.environ.get("SHARPEYES_REPO")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "netbox").is_dir():
            return parent
    return Path.cwd().resolve()


def state_dir() -> Path:
    env = os.environ.get("SHARPEYES_STATE_DIR")
    return Path(env).resolve() if env else repo_root() / ".lab"


def cache_dir() -> Path:
    env = os.environ.get("SHARPEYES_CACHE_DIR")
    if env:
        return Path(env).resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "sharpeyes"


def netbox_data_dir() -> Path:
    """The declarative NetBox dataset shipped in the repo."""
    return repo_root() / "netbox"
