"""Loaded-NetBox snapshots: keys, cache files and pruning (the database work is in `netbox`).

A snapshot is a `pg_dump` (custom format) of a lab NetBox right after the whole dataset was
applied, cached as `cache_dir()/netbox/netbox-<version>-loaded-<data hash>.dump`, next to the
migrated empty dump. Its key is `<NetBox version>-<first 16 hex digits of the dataset hash>`:
another NetBox version or any byte changed under netbox/custom or netbox/estate gives another
key, so a stale snapshot is never restored.

The repo also carries, per NetBox version, the migrated empty dump and one loaded **baseline**
(`netbox/snapshots/`, written by `sharpeyes lab snapshot commit`, users' secrets stripped): a
fresh machine restores the baseline and applies only what the dataset changed since (`nearest`).
See docs/decisions/0002-loaded-netbox-snapshot.md.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from sharpeyes import paths
from sharpeyes.errors import LabError
from sharpeyes.lab import _nbinstall
from sharpeyes.sot.fingerprint import dataset_hash

log = logging.getLogger(__name__)

# The whole dataset (current and previous) plus the test tier's slices: ~5 MB each.
KEEP_PER_VERSION = 6
HASH_DIGITS = 16
_KEY = re.compile(r"^(?P<version>\d+\.\d+\.\d+)-(?P<data>[0-9a-f]{16})$")
_FILE = re.compile(r"^netbox-(?P<version>\d+\.\d+\.\d+)-loaded-(?P<data>[0-9a-f]{16})\.dump$")


def make_key(netbox_version: str, data_hash: str) -> str:
    key = f"{netbox_version}-{data_hash[:HASH_DIGITS]}"
    check_key(key)
    return key


def check_key(key: str) -> tuple[str, str]:
    """(NetBox version, data hash prefix) of a well-formed key; LabError otherwise."""
    match = _KEY.match(key)
    if match is None:
        raise LabError(
            f"bad snapshot key {key!r}: expected <NetBox version>-<{HASH_DIGITS} hex digits>"
        )
    return match["version"], match["data"]


def current_key(data_dir: Path | None = None) -> str:
    """The key of a NetBox loaded with the dataset in data_dir (default: the repo's netbox/)."""
    data_dir = data_dir or paths.netbox_data_dir()
    return make_key(_nbinstall.NETBOX_VERSION, dataset_hash(data_dir))


def snapshot_dir() -> Path:
    return paths.cache_dir() / "netbox"


def snapshot_path(key: str) -> Path:
    version, data = check_key(key)
    return snapshot_dir() / f"netbox-{version}-loaded-{data}.dump"


def committed_dir() -> Path:
    """The snapshots shipped in the repo (one migrated dump and one baseline per NetBox version)."""
    return paths.netbox_data_dir() / "snapshots"


def committed_migrated() -> Path:
    return committed_dir() / f"netbox-{_nbinstall.NETBOX_VERSION}-migrated.dump"


def committed() -> list[tuple[str, Path]]:
    """(key, file) of each loaded baseline in the repo."""
    found = []
    if committed_dir().is_dir():
        for path in sorted(committed_dir().iterdir()):
            match = _FILE.match(path.name)
            if match and path.is_file():
                found.append((f"{match['version']}-{match['data']}", path))
    return found


def locate(key: str) -> Path | None:
    """The dump of key: the cached one, else the repo's baseline of that key; None if neither."""
    for path in (snapshot_path(key), committed_dir() / snapshot_path(key).name):
        if path.is_file():
            return path
    return None


def nearest(key: str) -> str | None:
    """Another snapshot of key's NetBox version to start from when key has none: the newest
    cached one, else the repo's baseline. Applying the dataset over it writes only what the
    dataset changed since (the sync base inside it makes that a three-way plan)."""
    version = check_key(key)[0]
    for other, _ in [*snapshots(), *committed()]:
        if other != key and check_key(other)[0] == version:
            return other
    return None


def snapshots() -> list[tuple[str, Path]]:
    """(key, file) of every cached snapshot, newest first (by modification time)."""
    found: list[tuple[float, str, Path]] = []
    if snapshot_dir().is_dir():
        for path in snapshot_dir().iterdir():
            match = _FILE.match(path.name)
            if match and path.is_file():
                key = f"{match['version']}-{match['data']}"
                found.append((path.stat().st_mtime, key, path))
    return [(key, path) for _, key, path in sorted(found, reverse=True)]


def mark_used(path: Path) -> None:
    """A restored snapshot counts as new, so pruning keeps what is in use."""
    try:
        os.utime(path)
    except OSError as exc:  # a read-only cache still restores
        log.debug("could not touch %s: %s", path, exc)


def prune(keep: int = KEEP_PER_VERSION) -> list[Path]:
    """Delete all but the newest `keep` snapshots of each NetBox version; return what went."""
    kept: dict[str, int] = {}
    removed: list[Path] = []
    for key, path in snapshots():
        version = check_key(key)[0]
        kept[version] = kept.get(version, 0) + 1
        if kept[version] > keep:
            path.unlink(missing_ok=True)
            removed.append(path)
            log.info("pruned the old NetBox snapshot %s", path)
    return removed
