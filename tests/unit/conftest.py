"""Shared unit-tier fixtures: the shipped estate, read and validated once per session.

A case that needs a broken estate re-interprets only the file it changes, in memory
(`Estate.problems_with`), instead of copying and re-validating the whole dataset.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from sharpeyes.paths import netbox_data_dir
from sharpeyes.sot import loader
from sharpeyes.sot import validate as sot_validate

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Objects = list[dict[str, Any]]


@dataclass
class Estate:
    """The shipped dataset as read by the loader: its files, the result and its problems."""

    data_dir: Path
    files: dict[str, loader.FileLoad]  # "estate/dcim.devices.yml" -> the file as read
    loaded: loader.Loaded
    problems: list[str]

    def objects(self, rel: str) -> Objects:
        """A private copy of one file's objects, as written."""
        return copy.deepcopy(_parsed(self.data_dir / rel)["objects"])

    def problems_with(self, rel: str, change: Callable[[Objects], None]) -> list[str]:
        """Every `sot validate` problem once `change` has edited the objects of file `rel`.

        Only that file is interpreted again (in memory, under its own path, so messages name
        it as usual); the other files are the session's.
        """
        objs = self.objects(rel)
        change(objs)
        doc = {"endpoint": self.files[rel].endpoint, "objects": objs}
        edited = loader.read_doc(doc, self.data_dir / rel, self.data_dir)
        files = [edited if name == rel else fl for name, fl in self.files.items()]
        ld, problems = loader.assemble(self.data_dir, files)
        return problems + sot_validate.check(ld)


@functools.cache
def _parsed(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


@pytest.fixture(scope="session")
def estate() -> Estate:
    """The shipped dataset, read and checked once (as `sot validate` does, file by file)."""
    data_dir = netbox_data_dir()
    paths, problems = loader.layout(data_dir)
    files = {p.relative_to(data_dir).as_posix(): loader.read_file(p, data_dir) for p in paths}
    ld, more = loader.assemble(data_dir, files.values())
    return Estate(data_dir, files, ld, problems + more + sot_validate.check(ld))
