"""The compact bootstrap spec of the estate (`netbox/spec/qingxin.yml`), as typed models."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sharpeyes import vocab
from sharpeyes.errors import InputError, ValidationFailed
from sharpeyes.vocab import CameraKind, GroupSlug


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Area(_Model):
    slug: str
    name: str
    admin_code: str = Field(pattern=r"^\d{6}$")


class Tenant(_Model):
    slug: str
    name: str


class Town(_Model):
    slug: str
    name: str
    latitude: float
    longitude: float


class Group(_Model):
    slug: GroupSlug
    name: str
    industry: str = Field(pattern=r"^\d{2}$")


class Totals(_Model):
    new_boxes: int
    signs: int


class Term(_Model):
    install_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    termination_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class Provider(_Model):
    slug: str
    name: str


class Providers(_Model):
    site_links: Provider
    front_end_links: Provider


class CameraModel(_Model):
    manufacturer: str
    model: str
    poe_draw_w: int
    type_code: str = Field(pattern=r"^\d{3}$")


class PortRange(_Model):
    pattern: str
    count: int
    first: int = 1

    def names(self) -> list[str]:
        return [self.pattern.format(n=n) for n in range(self.first, self.first + self.count)]


class SwitchModel(_Model):
    manufacturer: str
    model: str
    platform: str
    poe_budget_w: int
    access: PortRange
    uplink: PortRange
    mgmt: str


class ServerModel(_Model):
    manufacturer: str
    model: str
    u_height: int
    platform: str


class DiskModel(_Model):
    manufacturer: str
    part_id: str
    capacity_gb: int


class PlainModel(_Model):
    manufacturer: str
    model: str


class Catalog(_Model):
    cameras: dict[CameraKind, CameraModel]
    switches: dict[str, SwitchModel]
    server: ServerModel
    data_disk: DiskModel
    system_disk: DiskModel
    splice_screen: PlainModel
    matrix: PlainModel

    @model_validator(mode="after")
    def _vocabulary(self) -> Catalog:
        for kind, cam in self.cameras.items():
            want = vocab.CAMERA_TYPE_CODES[kind]
            if cam.type_code != want:
                raise ValueError(f"cameras.{kind}: type_code {cam.type_code} is not {want}")
        for name, sw in self.switches.items():
            if sw.platform not in vocab.SWITCH_PLATFORMS:
                known = ", ".join(sorted(vocab.SWITCH_PLATFORMS))
                raise ValueError(f"switches.{name}: unknown platform {sw.platform} ({known})")
        return self


class Vlans(_Model):
    cameras: int
    switch_mgmt: int
    servers: int
    bmc: int


class Addressing(_Model):
    vrf: str
    aggregate: str
    site_block_prefixlen: int
    vlans: Vlans


class DataCentre(_Model):
    slug: str
    name: str
    town: str
    racks: int
    servers: int
    system_disks: int
    data_disks: int
    division: str = Field(pattern=r"^\d{6}$")


class SiteSpec(_Model):
    slug: str = Field(pattern=r"^qx-[a-z]{2}\d{2}$")
    group: GroupSlug
    name: str
    town: str
    base_unit: str = Field(pattern=r"^\d{2}$")
    switch: str
    points: int = Field(ge=1)
    switches: int = Field(ge=1)
    links: int = Field(ge=0)
    cameras: dict[CameraKind, int]
    splice_screens: int = 0
    video_boards: int = 0

    @property
    def code(self) -> str:
        """`PS01` from `qx-ps01`."""
        return self.slug.removeprefix("qx-").upper()

    @property
    def direct_points(self) -> int:
        """Points wired straight to their own link, one camera each."""
        return self.links - self.switches

    @model_validator(mode="after")
    def _feasible(self) -> SiteSpec:
        if self.links < self.switches:
            raise ValueError("every switch point has its own link: links must be >= switches")
        if self.points < self.links:
            raise ValueError("points must be >= links")
        on_switches = sum(self.cameras.values()) - self.direct_points
        if on_switches < self.points - self.direct_points:
            raise ValueError("every switch-served point needs at least one camera")
        return self


class Spec(_Model):
    seed: int
    district: Area
    city: Area
    province: Area
    tenant: Tenant
    towns: list[Town]
    groups: list[Group]
    totals: Totals
    term: Term
    providers: Providers
    catalog: Catalog
    addressing: Addressing
    data_centre: DataCentre
    sites: list[SiteSpec]

    @model_validator(mode="after")
    def _references(self) -> Spec:
        towns = {t.slug for t in self.towns}
        groups = {g.slug for g in self.groups}
        for site in self.sites:
            if site.town not in towns:
                raise ValueError(f"site {site.slug}: unknown town {site.town}")
            if site.group not in groups:
                raise ValueError(f"site {site.slug}: unknown group {site.group}")
            if site.switch not in self.catalog.switches:
                raise ValueError(f"site {site.slug}: unknown switch model {site.switch}")
        if self.data_centre.town not in towns:
            raise ValueError(f"data centre: unknown town {self.data_centre.town}")
        return self

    def group(self, slug: str) -> Group:
        return next(g for g in self.groups if g.slug == slug)

    def town(self, slug: str) -> Town:
        return next(t for t in self.towns if t.slug == slug)


def load_spec(path: Path) -> Spec:
    """Read and validate the spec; errors name the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read spec: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return Spec.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{path}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        ]
        raise ValidationFailed(problems, what=f"spec {path}") from exc
