"""Three-way classification of one object: repo, sync base and live NetBox (a pure function).

The base keeps, per object, two content hashes taken when repo and NetBox last agreed: one of the
repo form and one of the live (normalised) form, so each side is compared with its own kind of hash
and no cross-form normalisation has to be exact. `""` marks a side the object was absent from.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True)
class BaseEntry:
    repo: str  # content hash of the repo form at the base ("" when the repo did not have it)
    live: str  # content hash of the live form at the base ("" when NetBox did not have it)
    id: int = 0  # NetBox id at the base (0: none), to find who deleted it in the change log


class Verdict(enum.Enum):
    NOOP = "noop"  # nothing to do
    CREATE = "create"  # new in the repo (or no base): write
    UPDATE = "update"  # changed in the repo only (or no base: repo wins as before): write
    DELETE = "delete"  # removed from the repo, unchanged in NetBox since the base
    RECREATE = "recreate"  # deleted in NetBox by hand, still in the repo: create again
    NETBOX_CREATED = "netbox-created"  # created in NetBox since the base: keep
    NETBOX_CHANGED = "netbox-changed"  # changed in NetBox only since the base: keep
    CONFLICT = "conflict"  # changed on both sides differently: write nothing (unless --force)
    KEPT_NO_BASE = "kept-no-base"  # not in the repo, no usable base: never deleted


WRITES = frozenset({Verdict.CREATE, Verdict.UPDATE, Verdict.DELETE, Verdict.RECREATE})
NETBOX_SIDE = frozenset({Verdict.NETBOX_CREATED, Verdict.NETBOX_CHANGED})


def classify(
    repo: str | None,
    live: str | None,
    base: BaseEntry | None,
    *,
    has_base: bool,
    differ: bool,
) -> Verdict:
    """Verdict for one object.

    repo/live: content hash of the object on that side now, None when absent; base: its entry in
    the sync base (None: not recorded); has_base: a usable base exists at all; differ: repo and
    live both exist and the two-way diff is not empty.
    """
    if repo is None and live is None:
        return Verdict.NOOP
    if repo is not None and live is not None:
        if not differ:
            return Verdict.NOOP
        if not has_base:
            return Verdict.UPDATE
        if base is None:
            return Verdict.CONFLICT  # created on both sides since the base, differently
        repo_changed, live_changed = repo != base.repo, live != base.live
        if live_changed and not repo_changed:
            return Verdict.NETBOX_CHANGED
        if live_changed and repo_changed:
            return Verdict.CONFLICT
        return Verdict.UPDATE  # NetBox did not change since the base: the repo is the authority
    if repo is not None:  # not in NetBox
        if has_base and base is not None and base.live:
            return Verdict.RECREATE
        return Verdict.CREATE
    # in NetBox only
    if not has_base:
        return Verdict.KEPT_NO_BASE
    if base is None or not base.live:
        return Verdict.NETBOX_CREATED
    if not base.repo:  # never in the repo (a template component, a NetBox-only object)
        return Verdict.NOOP if live == base.live else Verdict.NETBOX_CHANGED
    return Verdict.DELETE if live == base.live else Verdict.CONFLICT


def forced(verdict: Verdict, in_repo: bool) -> Verdict:
    """`--force`: a conflict takes the repo's side."""
    if verdict is not Verdict.CONFLICT:
        return verdict
    return Verdict.UPDATE if in_repo else Verdict.DELETE
