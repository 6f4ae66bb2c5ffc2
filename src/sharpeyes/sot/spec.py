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


class Streams(_Model):
    main: float = Field(gt=0)  # Mbit/s, recorded
    sub: float = Field(ge=0)  # Mbit/s, live view


class Pictures(_Model):
    per_day: int = Field(ge=0)
    kb: float = Field(gt=0)


class CameraModel(_Model):
    manufacturer: str
    model: str
    poe_draw_w: int
    type_code: str = Field(pattern=r"^\d{3}$")
    streams_mbps: Streams
    pictures: Pictures | None = None


class PortRange(_Model):
    pattern: str
    count: int
    first: int = 1
    type: str | None = None  # NetBox interface type when the pattern does not say it

    def names(self) -> list[str]:
        return [self.pattern.format(n=n) for n in range(self.first, self.first + self.count)]


class SwitchModel(_Model):
    manufacturer: str
    model: str
    platform: str
    poe_budget_w: int = 0  # 0: no PoE on the access ports
    access: PortRange
    uplink: PortRange
    mgmt: str


class CoreModel(_Model):
    manufacturer: str
    model: str
    platform: str
    ports: PortRange
    vlan_if: str
    u_height: int = 1


class ConverterModel(_Model):
    manufacturer: str
    model: str
    poe_budget_w: int
    fibre: PortRange
    copper: PortRange


class PortedModel(_Model):
    manufacturer: str
    model: str
    ports: PortRange
    u_height: int = 1


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
    converter: ConverterModel
    aggregation: SwitchModel
    core: CoreModel
    mgmt_switch: SwitchModel
    clock: PortedModel
    boundary: PortedModel
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
    mgmt_vrf: str
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


class Cabling(_Model):
    copper_slack_m: float = Field(ge=0)
    fibre_route_factor: float = Field(ge=1)
    fibre_slack_m: float = Field(ge=0)
    satellite_km: tuple[float, float]


class Rtp(_Model):
    first_port: int = Field(ge=1024, le=65535)
    streams_per_camera: int = Field(ge=1)
    ports_per_stream: int = Field(ge=1)
    headroom: float = Field(ge=0)
    step: int = Field(ge=1)


class Platform(_Model):
    server_duties: list[vocab.ServerDuty]
    rtp: Rtp
    retention_days: dict[str, int]
    min_retention_days: int = Field(ge=1)
    storage: dict[str, int | float | str]


class Boundary(_Model):
    slug: str
    name: str
    region: str
    latitude: float
    longitude: float
    cid: str
    commit_mbps: int


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
    cabling: Cabling
    platform: Platform
    boundary: Boundary
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
        for group in self.groups:
            want = vocab.GROUP_INDUSTRY.get(group.slug)
            if want is not None and group.industry != want:
                raise ValueError(f"group {group.slug}: industry {group.industry} is not {want}")
        if len(self.platform.server_duties) != self.data_centre.servers:
            raise ValueError("platform.server_duties: one duty per data-centre server")
        if self.platform.server_duties.count(vocab.DUTY_SIP) < 1:
            raise ValueError("platform.server_duties: no sip server")
        if vocab.DUTY_MEDIA_DISTRIBUTION not in self.platform.server_duties:
            raise ValueError("platform.server_duties: no media-distribution server")
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
