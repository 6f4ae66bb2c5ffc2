"""A content hash of the NetBox dataset: what a loaded NetBox snapshot (or a sync base) is keyed by.

Only `custom/` and `estate/` are hashed: they are what `sot apply` writes. Point-list samples,
the generator spec and the README do not change NetBox.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

HASHED_DIRS = ("custom", "estate")


def dataset_hash(data_dir: Path) -> str:
    """sha256 (hex) over the sorted relative paths and bytes of custom/** and estate/**."""
    files = sorted(
        (path.relative_to(data_dir).as_posix(), path)
        for sub in HASHED_DIRS
        for path in (data_dir / sub).rglob("*")
        if path.is_file()
    )
    digest = hashlib.sha256()
    for rel, path in files:
        data = path.read_bytes()
        # Length-prefixed fields: no two different file sets hash the same stream.
        for field in (rel.encode(), data):
            digest.update(len(field).to_bytes(8, "big"))
            digest.update(field)
    return digest.hexdigest()
