"""`sot plan|apply|export` as library calls: load the dataset, read NetBox, diff, write.

The CLI only renders: plan text/JSON, a confirmation, a progress bar fed by `progress`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sharpeyes import paths
from sharpeyes.sot import apply as apply_mod
from sharpeyes.sot import client, schema
from sharpeyes.sot import export as export_mod
from sharpeyes.sot import plan as plan_mod
from sharpeyes.sot.dataset import Dataset
from sharpeyes.sot.live import LiveState, Rest, fetch
from sharpeyes.sot.loader import load
from sharpeyes.sot.plan import Plan

log = logging.getLogger(__name__)


@dataclass
class Session:
    """One sync run: the dataset, a REST client, the live state read and the plan."""

    data_dir: Path
    dataset: Dataset
    rest: Rest
    state: LiveState
    plan: Plan
    timings: dict[str, float] = field(default_factory=dict)


def default_data_dir() -> Path:
    return paths.netbox_data_dir()


def rest_client(api: Any = None) -> Rest:
    if api is None:
        api = client.connect()
    return Rest(api)


def read(data_dir: Path | None = None, api: Any = None) -> Session:
    """Load the dataset, read the live state of its endpoints and compute the plan."""
    data_dir = data_dir or default_data_dir()
    t0 = time.monotonic()
    ds = load(data_dir).dataset
    t1 = time.monotonic()
    rest = rest_client(api)
    state = fetch(rest, ds.endpoints)
    t2 = time.monotonic()
    plan = plan_mod.compute(ds, state)
    t3 = time.monotonic()
    timings = {"load": t1 - t0, "read": t2 - t1, "diff": t3 - t2}
    log.debug("plan timings %s", timings)
    return Session(data_dir, ds, rest, state, plan, timings)


def plan(data_dir: Path | None = None, api: Any = None) -> Session:
    return read(data_dir, api)


def expected_work(s: Session) -> int:
    """Objects the apply will write (creates with deferred fields are written twice)."""
    deferred = 0
    for c in s.plan.changes:
        if c.action == "create":
            ep = schema.REGISTRY[c.endpoint]
            deferred += any(f.deferred and c.data.get(f.name) for f in ep.fields)
    return len(s.plan.changes) + deferred


def apply(
    s: Session, progress: Callable[[str, int], None] | None = None, batch: int = apply_mod.BATCH
) -> apply_mod.ApplyResult:
    return apply_mod.apply(s.dataset, s.rest, s.state, s.plan, progress=progress, batch=batch)


def export(data_dir: Path | None = None, api: Any = None) -> list[Path]:
    data_dir = data_dir or default_data_dir()
    ds = load(data_dir).dataset
    rest = rest_client(api)
    state = fetch(rest, ds.endpoints)
    return export_mod.export(ds, state, data_dir)
