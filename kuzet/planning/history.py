"""Learning the simulation's demand from stored history: what happens, where, and how long each step takes.

A history is one row per incident with the analytics' stamps (DESIGN §5): `received_at`, `category_code`,
`priority`, `district`, `lat`, `lon`, `first_dispatched_at`, `first_en_route_at`, `first_on_scene_at`,
`cleared_at` and, optionally, `category_group`. Rows come from the live store (`read_live`) or any other
source with those names (the demo's year, an imported CAD extract mapped to them).

What the simulation takes from it:
- the arrival profile (`kuzet.planning.profile`), from the received times;
- the mix: each simulated call copies the category, priority, district and place of a history row drawn at
  random, so that where, what and how urgent stay together as they were;
- call handling (received → first dispatched) and turnout (dispatched → en route) per priority, and time on
  scene (on scene → cleared) per category, drawn from the observed values. A negative or missing interval is
  left out, as the analytics leave it out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, select

from kuzet.geo.graph import F64
from kuzet.incidents.catalogue import Group
from kuzet.planning.errors import PlanningInputError
from kuzet.planning.profile import ArrivalProfile

I64 = npt.NDArray[np.int64]
DEFAULT_ON_SCENE_S = 1800.0


def _seconds(a: datetime | None, b: datetime | None) -> float:
    if a is None or b is None:
        return float("nan")
    value = (b - a).total_seconds()
    return value if value >= 0 else float("nan")


@dataclass(frozen=True)
class Draws:
    """`n` simulated calls: what each one is and how long its steps take (seconds)."""

    priority: I64
    group: list[Group]
    district: I64  # index into Demand.districts
    node: I64  # road-graph node of the place
    handling: F64
    turnout: F64
    on_scene: F64


@dataclass
class Demand:
    """Draws calls like those of a history. Subclass and override `draw` for a made-up process."""

    districts: list[str]
    priority: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    group: list[Group] = field(default_factory=list)
    district: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    node: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    category: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    handling_by_priority: dict[int, F64] = field(default_factory=dict)
    turnout_by_priority: dict[int, F64] = field(default_factory=dict)
    on_scene_by_category: list[F64] = field(default_factory=list)

    def draw(self, rng: np.random.Generator, n: int) -> Draws:
        pick = rng.integers(0, len(self.priority), size=n)
        priority = self.priority[pick]
        handling = np.zeros(n)
        turnout = np.zeros(n)
        for p in np.unique(priority):
            where = priority == p
            handling[where] = _sample(rng, self.handling_by_priority.get(int(p)), int(where.sum()), 0.0)
            turnout[where] = _sample(rng, self.turnout_by_priority.get(int(p)), int(where.sum()), 0.0)
        category = self.category[pick]
        on_scene = np.zeros(n)
        for c in np.unique(category):
            where = category == c
            pool = self.on_scene_by_category[int(c)]
            on_scene[where] = _sample(rng, pool, int(where.sum()), DEFAULT_ON_SCENE_S)
        return Draws(
            priority, [self.group[i] for i in pick], self.district[pick], self.node[pick], handling, turnout,
            on_scene,
        )  # fmt: skip


def _sample(rng: np.random.Generator, pool: F64 | None, n: int, default: float) -> F64:
    if pool is None or len(pool) == 0:
        return np.full(n, default)
    drawn: F64 = pool[rng.integers(0, len(pool), size=n)]
    return drawn


@dataclass(frozen=True)
class History:
    rows: list[Mapping[str, Any]]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> History:
        kept = [r for r in rows if r.get("received_at") is not None]
        if not kept:
            raise PlanningInputError("history", "is empty: no incident with a received time")
        for i, row in enumerate(kept):
            for name in ("category_code", "priority"):
                if row.get(name) is None:
                    raise PlanningInputError(f"history[{i}].{name}", "is missing")
        return cls(kept)

    def profile(self) -> ArrivalProfile:
        return ArrivalProfile.learn([r["received_at"] for r in self.rows])

    def demand(self, node_of: Any) -> Demand:
        """The demand of this history; `node_of(lat, lon)` maps place arrays to road-graph nodes (e.g.
        `lambda la, lo: nearest_nodes(graph, la, lo)`). Rows without a place are left out of the mix."""
        placed = [r for r in self.rows if r.get("lat") is not None and r.get("lon") is not None]
        if not placed:
            raise PlanningInputError("history", "has no incident with a place (lat, lon)")
        districts = sorted({str(r.get("district") or "") for r in placed})
        categories = sorted({str(r["category_code"]) for r in self.rows})
        cat_index = {c: i for i, c in enumerate(categories)}
        dist_index = {d: i for i, d in enumerate(districts)}
        lat = np.array([float(r["lat"]) for r in placed])
        lon = np.array([float(r["lon"]) for r in placed])
        handling: dict[int, list[float]] = {}
        turnout: dict[int, list[float]] = {}
        on_scene: list[list[float]] = [[] for _ in categories]
        for r in self.rows:
            p = int(r["priority"])
            handling.setdefault(p, []).append(_seconds(r["received_at"], r.get("first_dispatched_at")))
            turnout.setdefault(p, []).append(
                _seconds(r.get("first_dispatched_at"), r.get("first_en_route_at"))
            )
            on_scene[cat_index[str(r["category_code"])]].append(
                _seconds(r.get("first_on_scene_at"), r.get("cleared_at"))
            )
        return Demand(
            districts=districts,
            priority=np.array([int(r["priority"]) for r in placed], dtype=np.int64),
            group=[_group(r.get("category_group")) for r in placed],
            district=np.array([dist_index[str(r.get("district") or "")] for r in placed], dtype=np.int64),
            node=np.asarray(node_of(lat, lon), dtype=np.int64),
            category=np.array([cat_index[str(r["category_code"])] for r in placed], dtype=np.int64),
            handling_by_priority={p: _clean(v) for p, v in handling.items()},
            turnout_by_priority={p: _clean(v) for p, v in turnout.items()},
            on_scene_by_category=[_clean(v) for v in on_scene],
        )

    def busy_seconds(self) -> float:
        """Mean time a unit is taken by a call: dispatch to clear, plus a drive back as long as the drive."""
        busy, drive = [], []
        for r in self.rows:
            sent, went = r.get("first_dispatched_at"), r.get("first_en_route_at")
            arrived, cleared = r.get("first_on_scene_at"), r.get("cleared_at")
            if sent is not None and cleared is not None and cleared >= sent:
                busy.append((cleared - sent).total_seconds())
            if went is not None and arrived is not None and arrived >= went:
                drive.append((arrived - went).total_seconds())
        if not busy:
            raise PlanningInputError(
                "history", "has no incident with dispatch and clear times to learn busy time"
            )
        return float(np.mean(busy)) + (float(np.mean(drive)) if drive else 0.0)

    def response_seconds(self) -> F64:
        """Observed response (received → first on scene) of every incident that has it."""
        return _clean([_seconds(r["received_at"], r.get("first_on_scene_at")) for r in self.rows])


def _clean(values: list[float]) -> F64:
    array = np.asarray(values, dtype=np.float64)
    kept: F64 = array[np.isfinite(array)]
    return kept


def _group(value: Any) -> Group:
    try:
        return Group(str(value))
    except ValueError:
        return Group.OTHER


def read_live(engine: Engine, *, since: datetime | None = None, imported: bool = False) -> History:
    """The live store's incidents (merged ones left out) with their category's group; with `imported`,
    also the incidents of CAD imports (`kuzet.analytics.cad`): they add to the arrival profile, the
    intervals and the times on scene, but carry no place, so the mix of places comes from live ones.
    Rows without a category or priority (an unmapped import) are left out."""
    from kuzet.incidents.store import categories, incidents

    stamps = ("first_dispatched_at", "first_en_route_at", "first_on_scene_at", "cleared_at")
    live = (
        select(
            incidents.c.received_at, incidents.c.category_code, incidents.c.priority, incidents.c.district,
            incidents.c.lat, incidents.c.lon, *(incidents.c[name] for name in stamps),
            categories.c.group.label("category_group"),
        )
        .join(categories, categories.c.code == incidents.c.category_code)
        .where(incidents.c.merged_into_id.is_(None))
    )  # fmt: skip
    if since is not None:
        live = live.where(incidents.c.received_at >= since)
    with engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(live)]
        if imported:
            rows += _imported(conn, since)
    return History.from_rows(r for r in rows if r["category_code"] is not None and r["priority"] is not None)


def _imported(conn: Any, since: datetime | None) -> list[dict[str, Any]]:
    from kuzet.analytics.cad.tables import imported_incidents as imp
    from kuzet.incidents.store import categories

    query = select(
        imp.c.received_at, imp.c.category_code, imp.c.priority, imp.c.district, imp.c.first_dispatched_at,
        imp.c.first_en_route_at, imp.c.first_on_scene_at, imp.c.cleared_at,
        categories.c.group.label("category_group"),
    ).outerjoin(categories, categories.c.code == imp.c.category_code)  # fmt: skip
    if since is not None:
        query = query.where(imp.c.received_at >= since)
    return [dict(row._mapping) | {"lat": None, "lon": None} for row in conn.execute(query)]
