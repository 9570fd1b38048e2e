"""API shapes of the camera registry and of the cameras that see an incident. The field rules themselves are
the domain's (`check_camera`), so that the API, the import and the CLI refuse the same things with the same
messages."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kuzet.cctv.domain import (
    CAMERA_ID_MAX,
    OWNER_MAX,
    URL_MAX,
    Camera,
    CameraStatus,
    CameraType,
    without_credentials,
)
from kuzet.cctv.imports import Rejected
from kuzet.cctv.seeing import CameraSight, IncidentCameras, Reason
from kuzet.cctv.service import ImportReport
from kuzet.core.i18n import translate


class CameraIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    camera_id: str = Field(min_length=1, max_length=CAMERA_ID_MAX, examples=["CAM-0001"])
    lat: float = Field(description="Inside the served region (KUZET_REGION_BBOX)", examples=[42.5075])
    lon: float = Field(examples=[1.5218])
    mount_height_m: float = Field(description="Metres above the ground", examples=[6.0])
    heading_deg: float = Field(
        description="Where it looks: degrees clockwise from north, [0, 360)", examples=[90]
    )
    fov_deg: float = Field(description="Field of view, degrees, (0, 360]; 360 for a dome", examples=[70])
    range_m: float = Field(description="Useful range, metres, > 0", examples=[80])
    type: CameraType
    owner: str = Field(min_length=1, max_length=OWNER_MAX, examples=["Akimat"])
    retention_days: int = Field(description="Days the owner keeps footage", examples=[30])
    status: CameraStatus = CameraStatus.ACTIVE
    snapshot_url: str | None = Field(default=None, max_length=URL_MAX, description="JPEG snapshot (sealed)")
    stream_url: str | None = Field(default=None, max_length=URL_MAX, description="MJPEG/RTSP stream (sealed)")

    def to_domain(self) -> Camera:
        return Camera(**self.model_dump())


class CameraPatch(BaseModel):
    """What to change; an address given as null is removed, other fields given as null are ignored."""

    model_config = ConfigDict(extra="forbid")
    lat: float | None = None
    lon: float | None = None
    mount_height_m: float | None = None
    heading_deg: float | None = None
    fov_deg: float | None = None
    range_m: float | None = None
    type: CameraType | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=OWNER_MAX)
    retention_days: int | None = None
    status: CameraStatus | None = None
    snapshot_url: str | None = Field(default=None, max_length=URL_MAX)
    stream_url: str | None = Field(default=None, max_length=URL_MAX)

    def changes(self) -> dict[str, Any]:
        addresses = {"snapshot_url", "stream_url"}
        return {
            name: getattr(self, name)
            for name in self.model_fields_set
            if name in addresses or getattr(self, name) is not None
        }


class CameraOut(BaseModel):
    camera_id: str
    lat: float
    lon: float
    mount_height_m: float
    heading_deg: float
    fov_deg: float
    range_m: float
    type: CameraType
    owner: str
    retention_days: int
    status: CameraStatus
    has_snapshot_url: bool
    has_stream_url: bool
    snapshot_url: str | None = Field(
        description="Only to roles that watch or manage cameras (cctv.watch, cctv.manage), and only "
        "scheme://host[:port]/path: never the user name, password or query; else null"
    )
    stream_url: str | None = Field(
        description="As snapshot_url: without credentials, only to roles that watch or manage cameras"
    )

    @classmethod
    def from_domain(cls, camera: Camera, *, shows_urls: bool) -> CameraOut:
        """The camera as answered. Even when the addresses are shown, they are shown without credentials:
        the full address never leaves the server (the live picture goes through its proxy)."""

        def shown(url: str | None) -> str | None:
            return without_credentials(url) if shows_urls and url is not None else None

        return cls(
            camera_id=camera.camera_id,
            lat=camera.lat,
            lon=camera.lon,
            mount_height_m=camera.mount_height_m,
            heading_deg=camera.heading_deg,
            fov_deg=camera.fov_deg,
            range_m=camera.range_m,
            type=camera.type,
            owner=camera.owner,
            retention_days=camera.retention_days,
            status=camera.status,
            has_snapshot_url=camera.snapshot_url is not None,
            has_stream_url=camera.stream_url is not None,
            snapshot_url=shown(camera.snapshot_url),
            stream_url=shown(camera.stream_url),
        )


class RejectedOut(BaseModel):
    row: int = Field(description="CSV: the line (header = 1); GeoJSON: the feature, from 1")
    camera_id: str | None
    field: str
    reason: str
    code: str

    @classmethod
    def from_domain(cls, rejected: Rejected, locale: str) -> RejectedOut:
        return cls(
            row=rejected.row,
            camera_id=rejected.camera_id,
            field=rejected.field,
            reason=translate(rejected.reason, locale, **rejected.params),
            code=rejected.code,
        )


class ImportOut(BaseModel):
    dry_run: bool
    rows: int = Field(description="Rows (CSV) or features (GeoJSON) read")
    accepted: list[str] = Field(description="Ids stored (on a dry run: the ones that would be)")
    rejected_rows: int
    rejected: list[RejectedOut] = Field(description="Each problem of each rejected row, by row")

    @classmethod
    def from_domain(cls, report: ImportReport, locale: str) -> ImportOut:
        return cls(
            dry_run=report.dry_run,
            rows=report.rows,
            accepted=report.accepted,
            rejected_rows=report.rejected_rows,
            rejected=[RejectedOut.from_domain(r, locale) for r in report.rejected],
        )


# --- the cameras that see an incident ---------------------------------------------------------------------


class CameraSightOut(BaseModel):
    camera: CameraOut = Field(description="The camera (never with its addresses)")
    distance_m: float = Field(description="From the camera to the incident, metres")
    bearing_deg: float = Field(description="The incident's bearing seen from the camera, degrees from north")
    in_range: bool
    in_sector: bool
    reason: Reason | None = Field(
        description="Why it does not see the incident (the first of too_far, out_of_sector, blocked; "
        "not_active for a camera that would see it but is offline or in maintenance); null when it sees it"
    )
    blocked_by: str | None = Field(description="The OSM id of the building in the way (e.g. way/123)")
    sector: list[tuple[float, float]] = Field(
        description="The view sector's outline, [lat, lon] pairs, closed"
    )

    @classmethod
    def from_domain(cls, sight: CameraSight) -> CameraSightOut:
        return cls(
            camera=CameraOut.from_domain(sight.camera, shows_urls=False),
            distance_m=sight.distance_m,
            bearing_deg=sight.bearing_deg,
            in_range=sight.in_range,
            in_sector=sight.in_sector,
            reason=sight.reason,
            blocked_by=sight.blocked_by,
            sector=sight.sector,
        )


class IncidentCamerasOut(BaseModel):
    incident_id: int
    located: bool = Field(description="false when the incident has no place yet (both lists are then empty)")
    lat: float | None
    lon: float | None
    radius_m: float = Field(description="Cameras this near that do not see the incident are listed")
    seeing: list[CameraSightOut] = Field(description="Active cameras that see the incident, nearest first")
    not_seeing: list[CameraSightOut] = Field(description="Nearby cameras that do not, nearest first")

    @classmethod
    def from_domain(cls, found: IncidentCameras) -> IncidentCamerasOut:
        return cls(
            incident_id=found.incident_id,
            located=found.lat is not None,
            lat=found.lat,
            lon=found.lon,
            radius_m=found.radius_m,
            seeing=[CameraSightOut.from_domain(s) for s in found.seeing],
            not_seeing=[CameraSightOut.from_domain(s) for s in found.not_seeing],
        )
