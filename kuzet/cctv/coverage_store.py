"""Reading what coverage analytics need, in one short transaction: the selected incidents (a few columns of
the incidents' tables, read-only, as the other analytics do), every camera of the registry with its life, and
the cameras' health spans. Arrays out, for `kuzet.cctv.coverage`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, Table, func, select
from sqlalchemy.orm import Session

from kuzet.analytics.cad.tables import imported_incidents
from kuzet.analytics.domain import Origin
from kuzet.cctv.coverage import CameraFleet, SpanTable
from kuzet.cctv.domain import CameraStatus
from kuzet.cctv.health_store import camera_health_spans
from kuzet.cctv.store import cameras
from kuzet.cctv.visibility import CameraViews, LocalProjection
from kuzet.core.clock import LOCAL_TZ
from kuzet.incidents.store import incidents

_NEVER = np.iinfo(np.int64).max
# What a camera's status says of it where there is no heartbeat history (see `kuzet.cctv.coverage`).
STATUS_ONLINE = frozenset({CameraStatus.ACTIVE.value, CameraStatus.RETIRED.value})


@dataclass(frozen=True)
class CoverageSelection:
    """Incidents received in [first, last] (local dates, both included), of the origin, among the given
    categories, priorities and districts (an empty filter: all)."""

    first: date
    last: date
    origin: Origin = Origin.LIVE
    categories: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()
    districts: tuple[str, ...] = ()

    def narrowed(self, *districts: str) -> CoverageSelection:
        return CoverageSelection(
            self.first, self.last, self.origin, self.categories, self.priorities, tuple(districts)
        )

    def utc_bounds(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.first, time.min, LOCAL_TZ).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time.min, LOCAL_TZ).astimezone(UTC)
        return start, end


def epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


@dataclass(frozen=True, eq=False)
class IncidentRows:
    """The selected incidents with a point, as arrays; and how many were left out for having none."""

    incident_id: npt.NDArray[np.int64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    at_ms: npt.NDArray[np.int64]
    priority: npt.NDArray[np.int64]
    category: list[str]
    district: list[str | None]
    without_point: int = 0
    imported_without_point: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lat)


def read_incidents(session: Session, chosen: CoverageSelection) -> IncidentRows:
    start, end = chosen.utc_bounds()
    ids: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    stamps: list[int] = []
    priorities: list[int] = []
    categories: list[str] = []
    districts: list[str | None] = []
    without_point = imported = 0
    if chosen.origin in (Origin.LIVE, Origin.ALL):
        query = select(
            incidents.c.id,
            incidents.c.lat,
            incidents.c.lon,
            incidents.c.received_at,
            incidents.c.priority,
            incidents.c.category_code,
            incidents.c.district,
        ).where(
            incidents.c.merged_into_id.is_(None),
            incidents.c.received_at >= start,
            incidents.c.received_at < end,
        )
        query = _filtered(query, incidents, chosen)
        for row in session.execute(query.order_by(incidents.c.id)):
            if row.lat is None or row.lon is None:
                without_point += 1
                continue
            ids.append(row.id)
            lats.append(row.lat)
            lons.append(row.lon)
            stamps.append(epoch_ms(row.received_at))
            priorities.append(row.priority)
            categories.append(row.category_code)
            districts.append(row.district)
    if chosen.origin in (Origin.IMPORTED, Origin.ALL):
        # Imported incidents (kuzet import-cad) carry no point: counted as left out, never placed.
        imported = count_incidents(session, chosen, Origin.IMPORTED)
    return IncidentRows(
        incident_id=np.array(ids, dtype=np.int64),
        lat=np.array(lats, dtype=np.float64),
        lon=np.array(lons, dtype=np.float64),
        at_ms=np.array(stamps, dtype=np.int64),
        priority=np.array(priorities, dtype=np.int64),
        category=categories,
        district=districts,
        without_point=without_point,
        imported_without_point=imported,
    )


def count_incidents(session: Session, chosen: CoverageSelection, origin: Origin) -> int:
    """How many incidents of `origin` (live or imported) the selection holds, with a point or without: what
    an empty coverage answer tells of the origin it did not search."""
    start, end = chosen.utc_bounds()
    table = incidents if origin is Origin.LIVE else imported_incidents
    counted = (
        select(func.count()).select_from(table).where(table.c.received_at >= start, table.c.received_at < end)
    )
    if origin is Origin.LIVE:
        counted = counted.where(incidents.c.merged_into_id.is_(None))
    return int(session.execute(_filtered(counted, table, chosen)).scalar_one())


def _filtered(query: Select[Any], table: Table, chosen: CoverageSelection) -> Select[Any]:
    """`query` kept to the selection's categories, priorities and districts (an empty filter: all)."""
    for column, values in (
        (table.c.category_code, chosen.categories),
        (table.c.priority, chosen.priorities),
        (table.c.district, chosen.districts),
    ):
        if values:
            query = query.where(column.in_(values))
    return query


@dataclass(frozen=True, eq=False)
class Registry:
    camera_ids: list[str]
    fleet: CameraFleet
    spans: SpanTable


def read_registry(
    session: Session,
    projection: LocalProjection,
    *,
    before: datetime,
    now: datetime,
    offline_after: timedelta,
) -> Registry:
    """Every camera registered before `before` (retired ones too, up to their retirement: the registry's
    last change of them) and the spans of life that started before it (a span alive at `now` runs to now)."""
    rows = session.execute(
        select(
            cameras.c.camera_id,
            cameras.c.lat,
            cameras.c.lon,
            cameras.c.heading_deg,
            cameras.c.fov_deg,
            cameras.c.range_m,
            cameras.c.status,
            cameras.c.created_at,
            cameras.c.updated_at,
        )
        .where(cameras.c.created_at < before)
        .order_by(cameras.c.camera_id)
    ).all()
    index = {r.camera_id: i for i, r in enumerate(rows)}
    x, y = projection.to_xy([r.lat for r in rows], [r.lon for r in rows])
    fleet = CameraFleet(
        views=CameraViews.build(
            x, y, [r.heading_deg for r in rows], [r.fov_deg for r in rows], [r.range_m for r in rows]
        ),
        registered_ms=np.array([epoch_ms(r.created_at) for r in rows], dtype=np.int64),
        retired_ms=np.array(
            [epoch_ms(r.updated_at) if r.status == CameraStatus.RETIRED.value else _NEVER for r in rows],
            dtype=np.int64,
        ),
        status_online=np.array([r.status in STATUS_ONLINE for r in rows], dtype=bool),
    )
    spans = camera_health_spans
    span_rows = session.execute(
        select(spans.c.camera_id, spans.c.started_at, spans.c.last_beat_at).where(spans.c.started_at < before)
    ).all()
    cam: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    for s in span_rows:
        i = index.get(s.camera_id)
        if i is None:
            continue
        alive = now - s.last_beat_at <= offline_after
        cam.append(i)
        starts.append(epoch_ms(s.started_at))
        ends.append(epoch_ms(now if alive else s.last_beat_at))
    return Registry([r.camera_id for r in rows], fleet, SpanTable.build(cam, starts, ends))
