"""The camera registry's record and its rules. Pure: no framework, no clock.

A camera looks from its place along its heading (degrees clockwise from north), as wide as its field of view
and as far as its useful range. Its snapshot and stream addresses are secrets: they often carry the camera's
own user name and password, so they are sealed at rest and shown only to roles allowed to watch."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from kuzet.core.errors import FieldError
from kuzet.core.i18n import N_

BBox = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat

CAMERA_ID_MAX: Final = 60
CAMERA_ID_PATTERN: Final = re.compile(r"[^\s\x00-\x1f\x7f/?#%\\][^\x00-\x1f\x7f/?#%\\]{0,59}")
OWNER_MAX: Final = 200
URL_MAX: Final = 2000
RANGE_MAX_M: Final = 2000.0  # a street camera recognises nothing past this; a longer range is a typo
MOUNT_HEIGHT_MAX_M: Final = 200.0
RETENTION_MAX_DAYS: Final = 3650
SNAPSHOT_SCHEMES: Final = frozenset({"http", "https"})
STREAM_SCHEMES: Final = frozenset({"http", "https", "rtsp", "rtsps"})
# In place of an address the camera has, when it is read without opening the addresses (not a valid address,
# so it can never be stored as one).
SEALED: Final = "(sealed)"


class CameraType(StrEnum):
    STREET = "street"
    TRAFFIC = "traffic"
    SCHOOL = "school"
    PRIVATE_CONNECTED = "private_connected"  # a private owner's camera connected to the centre by agreement


class CameraStatus(StrEnum):
    ACTIVE = "active"
    OFFLINE = "offline"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"


@dataclass(frozen=True)
class Camera:
    """One camera of the registry. The addresses are plain here (or SEALED when read without opening them);
    the store seals them."""

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
    status: CameraStatus = CameraStatus.ACTIVE
    snapshot_url: str | None = None
    stream_url: str | None = None


# What an administrator may change after registration (the id never changes: alerts and footage carry it).
CHANGEABLE: Final = frozenset(f.name for f in fields(Camera)) - {"camera_id"}


def _problem(name: str, reason: str, code: str, **params: object) -> FieldError:
    return FieldError(name, reason, code, params=params)


def _number(value: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_camera_id(camera_id: str) -> list[FieldError]:
    if CAMERA_ID_PATTERN.fullmatch(camera_id) and camera_id == camera_id.strip():
        return []
    return [
        _problem(
            "camera_id",
            N_("Up to {max_length} characters, without spaces at the ends, slashes or control characters."),
            "pattern",
            max_length=CAMERA_ID_MAX,
        )
    ]


def check_place(lat: float, lon: float, region: BBox) -> list[FieldError]:
    min_lon, min_lat, max_lon, max_lat = region
    problems = []
    if not _number(lat) or not min_lat <= lat <= max_lat:
        problems.append(_problem("lat", N_("The place is outside the served region."), "outside_region"))
    if not _number(lon) or not min_lon <= lon <= max_lon:
        problems.append(_problem("lon", N_("The place is outside the served region."), "outside_region"))
    return problems


def _between(value: float, low: float, high: float, *, low_open: bool, high_open: bool) -> bool:
    if not _number(value):
        return False
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    return above and below


def check_view(heading_deg: float, fov_deg: float, range_m: float, mount_height_m: float) -> list[FieldError]:
    problems = []
    if not _between(heading_deg, 0.0, 360.0, low_open=False, high_open=True):
        problems.append(
            _problem("heading_deg", N_("Must be from 0 up to, but not including, 360 degrees."), "range")
        )
    if not _between(fov_deg, 0.0, 360.0, low_open=True, high_open=False):
        problems.append(
            _problem("fov_deg", N_("Must be more than 0 and at most 360 degrees."), "range", gt=0, le=360)
        )
    if not _between(range_m, 0.0, RANGE_MAX_M, low_open=True, high_open=False):
        problems.append(
            _problem(
                "range_m", N_("Must be more than 0 and at most {le} m."), "range", gt=0, le=int(RANGE_MAX_M)
            )
        )
    if not _between(mount_height_m, 0.0, MOUNT_HEIGHT_MAX_M, low_open=False, high_open=False):
        problems.append(
            _problem(
                "mount_height_m",
                N_("Must be from 0 to {le} m."),
                "range",
                ge=0,
                le=int(MOUNT_HEIGHT_MAX_M),
            )
        )
    return problems


def check_url(name: str, url: str | None, schemes: frozenset[str]) -> list[FieldError]:
    if url is None:
        return []
    parts = urlsplit(url)
    if (
        len(url) > URL_MAX
        or parts.scheme not in schemes
        or not parts.hostname
        or any(c.isspace() for c in url)
    ):
        return [
            _problem(
                name,
                N_("Must be an address starting with one of: {schemes}."),
                "url",
                schemes=", ".join(sorted(schemes)),
            )
        ]
    return []


# A path that looks like it carries a credential (some cameras take `/user=admin_password=…` in the path).
_SECRET_IN_PATH: Final = re.compile(r"(?i)pass|pwd|secret|token|auth|key|user")


def without_credentials(url: str) -> str:
    """The address as it may be shown to a person: scheme://host[:port]/path. The user name and password,
    the query (cameras often take `?user=…&pwd=…`) and the fragment are dropped; a path that looks like it
    carries a credential is shown as `/…`. The full address is only ever opened for the server's proxy."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    path = "/…" if _SECRET_IN_PATH.search(parts.path) else parts.path
    return urlunsplit((parts.scheme, host if port is None else f"{host}:{port}", path, "", ""))


def check_camera(camera: Camera, region: BBox) -> list[FieldError]:
    """Everything wrong with the camera's record, field by field (empty when it can be kept)."""
    problems = check_camera_id(camera.camera_id) + check_place(camera.lat, camera.lon, region)
    problems += check_view(camera.heading_deg, camera.fov_deg, camera.range_m, camera.mount_height_m)
    owner = camera.owner.strip()
    if not owner:
        problems.append(_problem("owner", N_("This field is required."), "missing"))
    elif len(owner) > OWNER_MAX:
        problems.append(
            _problem(
                "owner", N_("Must be at most {max_length} characters long."), "too_long", max_length=OWNER_MAX
            )
        )
    if isinstance(camera.retention_days, bool) or not 0 <= camera.retention_days <= RETENTION_MAX_DAYS:
        problems.append(
            _problem("retention_days", N_("Must be from 0 to {le} days."), "range", le=RETENTION_MAX_DAYS)
        )
    problems += check_url("snapshot_url", camera.snapshot_url, SNAPSHOT_SCHEMES)
    problems += check_url("stream_url", camera.stream_url, STREAM_SCHEMES)
    return problems


def changed_fields(before: Camera, after: Camera) -> list[str]:
    """The names of the fields that differ (addresses compared, never shown)."""
    return sorted(f.name for f in fields(Camera) if getattr(before, f.name) != getattr(after, f.name))


def audit_detail(camera: Camera) -> dict[str, Any]:
    """What an audit row keeps of a camera: everything but its addresses (only whether it has them)."""
    detail: dict[str, Any] = {
        f.name: getattr(camera, f.name)
        for f in fields(Camera)
        if f.name not in {"snapshot_url", "stream_url", "camera_id"}
    }
    detail["has_snapshot_url"] = camera.snapshot_url is not None
    detail["has_stream_url"] = camera.stream_url is not None
    return detail
