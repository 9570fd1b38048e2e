"""Synthetic data for the analytics benchmark (labelled as such wherever it is printed).

- `write_synthetic_snapshot`: a year (2026) of incidents written straight into the snapshot's Parquet schema,
  a million rows at a time, so that 10 million rows stay memory-sane. Arrivals follow an evening-and-night
  hourly profile; categories and priorities follow the shipped catalogue; eight districts; 0.5 % of appeals
  come through the partner apps. Intervals are log-normal (call processing ~90 s, turnout ~40 s, travel
  ~5 min); 2 % never reach the scene, 1 % never leave, 0.5 % arrive "before" they left (negative travel),
  0.5 % are merged away and 1 % were reopened.
- `seed_store`: the same kind of incidents, with an appeal and an assignment each, in the real tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Engine, insert

from kuzet.analytics.snapshot.columns import APPEAL, MOMENT, SCHEMA
from kuzet.appeals.store import appeals
from kuzet.core.clock import LOCAL_TZ
from kuzet.dispatch.store import assignments
from kuzet.incidents.catalogue import shipped_categories
from kuzet.incidents.store import incidents
from kuzet.units.domain import UnitType
from kuzet.units.store import units

YEAR: Final = 2026
DISTRICTS: Final = ("central", "north", "south", "east", "west", "river", "airport", "industrial")
UNIT_TYPES: Final = tuple(t.value for t in UnitType)
PARTNERS: Final = ("kaspi", "police102", "egov", "halyk")
CHUNK: Final = 1_000_000
# Local midnight of 1 January 2026 in UTC (Asia/Almaty is UTC+5 all year; asserted below).
LOCAL_OFFSET: Final = timedelta(hours=5)
DAYS: Final = 365  # 2025 and 2026 alike
HOURLY: Final = np.array(
    [5, 4, 3, 2, 2, 2, 2, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 6, 6, 6, 6, 6, 6], dtype=float
)  # evenings and nights are busiest


def _catalogue() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shipped = shipped_categories()
    return (
        np.array([c.code for c in shipped]),
        np.array([c.group.value for c in shipped]),
        np.array([c.priority for c in shipped], dtype=np.int32),
    )


def _day_labels() -> tuple[np.ndarray, np.ndarray]:
    days = [date(YEAR, 1, 1) + timedelta(days=d) for d in range(DAYS)]
    weeks = np.array([f"{d.isocalendar().year}-W{d.isocalendar().week:02d}" for d in days])
    months = np.array([f"{d.year}-{d.month:02d}" for d in days])
    return weeks, months


def _moment(us: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return pa.array(us, type=pa.int64(), mask=missing).cast(MOMENT)


def _strings(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(numbers), pa.string()), "")


class Stamps:
    """Incidents' moments in microseconds since the epoch, with the masks of the missing ones."""

    def __init__(self, rng: np.random.Generator, size: int, year: int = YEAR) -> None:
        day = rng.integers(0, DAYS, size)
        hour = rng.choice(24, size, p=HOURLY / HOURLY.sum())
        local_seconds = day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, size)
        self.day, self.hour = day, hour
        year_start = datetime(year, 1, 1, tzinfo=UTC) - LOCAL_OFFSET  # local midnight, in UTC
        self.received = (int(year_start.timestamp()) + local_seconds) * 1_000_000
        call = rng.lognormal(np.log(90), 0.5, size)
        turnout = rng.lognormal(np.log(40), 0.6, size)
        travel = rng.lognormal(np.log(300), 0.5, size)
        negative = rng.random(size) < 0.005
        travel[negative] = -rng.uniform(1, 60, negative.sum())
        self.dispatched = self.received + (call * 1e6).astype(np.int64)
        self.en_route = self.dispatched + (turnout * 1e6).astype(np.int64)
        self.on_scene = self.en_route + (travel * 1e6).astype(np.int64)
        self.acknowledged = self.dispatched + 10_000_000
        self.cleared = self.on_scene + 1_200_000_000
        self.closed = self.cleared + 300_000_000
        draw = rng.random(size)
        self.no_en_route = draw < 0.01
        self.no_on_scene = draw < 0.03


def synthetic_chunk(rng: np.random.Generator, start: int, size: int) -> pa.Table:
    codes, groups, priorities = _catalogue()
    weeks, months = _day_labels()
    s = Stamps(rng, size)
    ids = np.arange(start + 1, start + size + 1)
    category = rng.integers(0, len(codes), size)
    district = pa.array(np.array(DISTRICTS)[rng.integers(0, len(DISTRICTS), size)])
    app = rng.random(size) < 0.005
    channel = pa.array(np.where(app, "partner_app", "phone_102"))
    partner = pa.array(np.array(PARTNERS)[rng.integers(0, len(PARTNERS), size)], mask=~app)
    local_date = pa.array((date(YEAR, 1, 1) - date(1970, 1, 1)).days + s.day, pa.int32()).cast(pa.date32())
    hour = pa.array(s.hour, pa.int32())
    weekday = pa.array((np.asarray(local_date.cast(pa.int32())) + 3) % 7 + 1, pa.int32())
    week, month = pa.array(weeks[s.day]), pa.array(months[s.day])
    year = pa.array(np.full(size, YEAR, np.int32))
    parts = [local_date, hour, weekday, week, month, year]
    received = _moment(s.received)
    appeal = pa.StructArray.from_arrays([channel, partner, received, *parts], fields=list(APPEAL))
    no_stamps = pa.MapArray.from_arrays(
        pa.array(np.zeros(size + 1, np.int32)), pa.array([], pa.string()), pa.array([], MOMENT)
    )
    no_dimensions = pa.MapArray.from_arrays(
        pa.array(np.zeros(size + 1, np.int32)), pa.array([], pa.string()), pa.array([], pa.string())
    )
    no_text = pa.nulls(size, pa.string())  # live incidents have no source priority or call type
    columns: dict[str, Any] = {
        "key": _strings("live:", ids),
        "version": pa.array(np.ones(size, np.int64)),
        "origin": pa.array(np.full(size, "live")),
        "number": _strings("INC-2026-", ids),
        "category_code": pa.array(codes[category]),
        "category_group": pa.array(groups[category]),
        "priority": pa.array(priorities[category]),
        "district": district,
        "channel": channel,
        "partner": partner,
        "appeals_count": pa.array(np.ones(size, np.int32)),
        "unit_type": pa.array(np.array(UNIT_TYPES)[rng.integers(0, len(UNIT_TYPES), size)]),
        "status": pa.array(np.full(size, "closed")),
        "disposition": pa.array(np.full(size, "other")),
        "reopened": pa.array(rng.random(size) < 0.01),
        "merged": pa.array(rng.random(size) < 0.005),
        "received_at": received,
        "first_dispatched_at": _moment(s.dispatched),
        "first_en_route_at": _moment(s.en_route, s.no_en_route),
        "first_on_scene_at": _moment(s.on_scene, s.no_on_scene),
        "cleared_at": _moment(s.cleared, s.no_on_scene),
        "closed_at": _moment(s.closed),
        "unit_assigned_at": _moment(s.dispatched),
        "unit_acknowledged_at": _moment(s.acknowledged),
        "unit_en_route_at": _moment(s.en_route, s.no_en_route),
        "unit_on_scene_at": _moment(s.on_scene, s.no_on_scene),
        "unit_cleared_at": _moment(s.cleared, s.no_on_scene),
        "stamps": no_stamps,
        "source_priority": no_text,
        "source_category": no_text,
        "dimensions": no_dimensions,
        "local_date": local_date,
        "hour": hour,
        "weekday": weekday,
        "week": week,
        "month": month,
        "year": year,
        "appeals": pa.ListArray.from_arrays(pa.array(np.arange(size + 1, dtype=np.int32)), appeal),
    }
    return pa.Table.from_arrays([columns[f.name] for f in SCHEMA], schema=SCHEMA)


def write_synthetic_snapshot(path: Path, rows: int, seed: int = 7) -> None:
    """SYNTHETIC: `rows` incidents of 2026 as one snapshot base file."""
    if any(
        datetime(y, 1, 1, tzinfo=UTC).astimezone(LOCAL_TZ).utcoffset() != LOCAL_OFFSET for y in (2025, 2026)
    ):
        raise SystemExit("Asia/Almaty is not UTC+5 in the benchmark's year; the generator assumes it is")
    rng = np.random.default_rng(seed)
    with pq.ParquetWriter(path, SCHEMA) as writer:
        for start in range(0, rows, CHUNK):
            writer.write_table(synthetic_chunk(rng, start, min(CHUNK, rows - start)))


# --- the real tables --------------------------------------------------------------------------------------


def _at(us: np.ndarray, n: int, missing: np.ndarray | None = None) -> datetime | None:
    return None if missing is not None and missing[n] else datetime.fromtimestamp(int(us[n]) / 1e6, UTC)


def seed_catalogue(engine: Engine) -> dict[str, int]:
    """One unit of each type (the migrations load the shipped categories); the units' ids by type."""
    with engine.begin() as connection:
        found = {}
        for n, kind in enumerate(UNIT_TYPES):
            values = {"call_sign": f"Bench-{n}", "type": kind, "district": "central", "crew": []}
            moment = datetime(YEAR - 1, 1, 1, tzinfo=UTC)
            found[kind] = connection.execute(
                insert(units)
                .values(**values, status="available", status_since=moment, created_at=moment)
                .returning(units.c.id)
            ).scalar_one()
    return found


def seed_store(engine: Engine, unit_ids: dict[str, int], *, first_id: int, size: int, at: datetime) -> None:
    """SYNTHETIC: `size` closed incidents of 2025 with ids from `first_id`, each with one appeal and one
    (cleared) assignment, written in one transaction as a bulk load would be. (2025, not 2026: a year that
    is over, so that no stamp lies ahead of the refresh's clock.)"""
    rng = np.random.default_rng(first_id)
    codes, _groups, priorities = _catalogue()
    s = Stamps(rng, size, YEAR - 1)
    category = rng.integers(0, len(codes), size)
    rows, appeal_rows, assignment_rows = [], [], []
    for n in range(size):
        key = first_id + n
        received = _at(s.received, n)
        dispatched = _at(s.dispatched, n)
        en_route = _at(s.en_route, n, s.no_en_route)
        on_scene = _at(s.on_scene, n, s.no_on_scene)
        cleared = _at(s.cleared, n, s.no_on_scene)
        rows.append(
            {
                "id": key,
                "number": f"INC-B-{key:09d}",
                "status": "closed",
                "category_code": str(codes[category[n]]),
                "priority": int(priorities[category[n]]),
                "district": DISTRICTS[n % len(DISTRICTS)],
                "description": "synthetic",
                "received_at": received,
                "first_dispatched_at": dispatched,
                "first_en_route_at": en_route,
                "first_on_scene_at": on_scene,
                "cleared_at": cleared,
                "closed_at": _at(s.closed, n),
                "disposition": "other",
                "reopen_count": 0,
                "created_at": at,
                "updated_at": at,
            }
        )
        appeal_rows.append(
            {
                "number": f"102-B-{key:09d}",
                "channel": "phone_102",
                "received_at": received,
                "text": "synthetic",
                "category_code": str(codes[category[n]]),
                "incident_id": key,
                "created_by": "bench",
                "created_at": at,
            }
        )
        assignment_rows.append(
            {
                "incident_id": key,
                "unit_id": unit_ids[UNIT_TYPES[n % len(UNIT_TYPES)]],
                "status": "cleared",
                "active": False,
                "assigned_at": dispatched,
                "assigned_by": "bench",
                "en_route_at": en_route,
                "on_scene_at": on_scene,
                "cleared_at": cleared,
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(incidents), rows)
        connection.execute(insert(appeals), appeal_rows)
        connection.execute(insert(assignments), assignment_rows)
