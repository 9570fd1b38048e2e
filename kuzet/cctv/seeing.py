"""The cameras that see an incident, and the nearby ones that do not, with the reason.

`cameras_at` is pure: it takes the cameras around a point and answers, for each, its distance and bearing
from the point's viewpoint, whether the point is in range and in sector, and the verdict. `for_incident` is
the use case: it reads the incident (in the caller's scope) and the cameras around it.

- *Seeing*: active cameras that see the point (`visibility`), nearest first, however far (a camera's range
  may exceed the nearby radius).
- *Not seeing*: the cameras within the nearby radius (300 m by default) that do not see it, nearest first,
  each with its first reason (too_far, out_of_sector, blocked, tested in that order; blocked names the
  building's OSM id), and the cameras that would see it but are not active (reason not_active, with their
  status). Retired cameras are left out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np

from kuzet.cctv.domain import RANGE_MAX_M, Camera, CameraStatus
from kuzet.cctv.store import CameraRepository
from kuzet.cctv.visibility import Buildings, CameraViews, LocalProjection, Sight, sector_ring, sight_of_point
from kuzet.core.actor import Actor
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import service as incidents

NEARBY_M: Final = 300.0
_DEG_LAT_M: Final = 111_000.0  # a little less than a degree of latitude: the search box errs on the wide side


class Reason(StrEnum):
    TOO_FAR = "too_far"
    OUT_OF_SECTOR = "out_of_sector"
    BLOCKED = "blocked"
    NOT_ACTIVE = "not_active"


_REASONS: Final = {Sight.TOO_FAR: Reason.TOO_FAR, Sight.OUT_OF_SECTOR: Reason.OUT_OF_SECTOR}


@dataclass(frozen=True)
class CameraSight:
    """One camera's view of the point. `bearing_deg` is the point's bearing seen from the camera (compare it
    with the heading); `sector` is the view sector's outline as (lat, lon) pairs, closed."""

    camera: Camera
    distance_m: float
    bearing_deg: float
    in_range: bool
    in_sector: bool
    reason: Reason | None  # None: it sees the point
    blocked_by: str | None
    sector: list[tuple[float, float]]


@dataclass(frozen=True)
class IncidentCameras:
    incident_id: int
    lat: float | None
    lon: float | None
    radius_m: float
    seeing: list[CameraSight]
    not_seeing: list[CameraSight]


def search_box(lat: float, lon: float, reach_m: float) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) holding every place within reach_m of (lat, lon)."""
    dlat = reach_m / _DEG_LAT_M
    dlon = reach_m / (_DEG_LAT_M * max(math.cos(math.radians(min(abs(lat) + dlat, 89.0))), 1e-6))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def sector_latlon(camera: Camera, projection: LocalProjection) -> list[tuple[float, float]]:
    x, y = projection.to_xy(camera.lat, camera.lon)
    ring = sector_ring(float(x), float(y), camera.heading_deg, camera.fov_deg, camera.range_m)
    lat, lon = projection.to_latlon([p[0] for p in ring], [p[1] for p in ring])
    return [(round(float(a), 7), round(float(b), 7)) for a, b in zip(lat, lon, strict=True)]


def cameras_at(
    cameras: Sequence[Camera],
    lat: float,
    lon: float,
    *,
    buildings: Buildings,
    projection: LocalProjection,
    radius_m: float = NEARBY_M,
) -> tuple[list[CameraSight], list[CameraSight]]:
    """The cameras that see (lat, lon) and the nearby ones that do not (see the module's notes)."""
    listed = [c for c in cameras if c.status is not CameraStatus.RETIRED]
    if not listed:
        return [], []
    cam_x, cam_y = projection.to_xy([c.lat for c in listed], [c.lon for c in listed])
    views = CameraViews.build(
        cam_x,
        cam_y,
        [c.heading_deg for c in listed],
        [c.fov_deg for c in listed],
        [c.range_m for c in listed],
    )
    x, y = projection.to_xy(lat, lon)
    found = sight_of_point(views, float(x), float(y), buildings, report_within_m=radius_m)
    seeing: list[CameraSight] = []
    not_seeing: list[CameraSight] = []
    for i in np.argsort(found.distance_m, kind="stable").tolist():
        camera, verdict = listed[i], Sight(int(found.sight[i]))
        sees = verdict is Sight.SEES
        active = camera.status is CameraStatus.ACTIVE
        if sees and active:
            reason = None
        elif verdict is Sight.BLOCKED:
            reason = Reason.BLOCKED
        elif sees:
            reason = Reason.NOT_ACTIVE
        else:
            reason = _REASONS[verdict]
        if reason is not None and not sees and found.distance_m[i] > radius_m:
            continue
        blocker = int(found.blocker[i])
        entry = CameraSight(
            camera=camera,
            distance_m=round(float(found.distance_m[i]), 1),
            bearing_deg=round(float(found.bearing_deg[i]), 1),
            in_range=bool(found.in_range[i]),
            in_sector=bool(found.in_sector[i]),
            reason=reason,
            blocked_by=buildings.ids[blocker] if blocker >= 0 else None,
            sector=sector_latlon(camera, projection),
        )
        (seeing if reason is None else not_seeing).append(entry)
    return seeing, not_seeing


def for_incident(
    uow: UnitOfWork,
    *,
    incident_id: int,
    by: Actor,
    buildings: Buildings,
    projection: LocalProjection,
    radius_m: float = NEARBY_M,
) -> IncidentCameras:
    """The cameras around an incident in the caller's scope; none when the incident has no place yet."""
    with uow:
        incident = incidents.get_in_scope(uow, incident_id, by)
        if incident.lat is None or incident.lon is None:
            return IncidentCameras(incident_id, None, None, radius_m, [], [])
        reach = max(radius_m, RANGE_MAX_M)
        around = uow.repo(CameraRepository).in_box(
            search_box(incident.lat, incident.lon, reach), exclude=CameraStatus.RETIRED
        )
    seeing, not_seeing = cameras_at(
        around, incident.lat, incident.lon, buildings=buildings, projection=projection, radius_m=radius_m
    )
    return IncidentCameras(incident_id, incident.lat, incident.lon, radius_m, seeing, not_seeing)
