"""A small constructed data set with exact stamps, written through the stores, so that every figure of the
analytics tests can be worked out by hand.

All of it (but I) falls on Tuesday 10 March 2026; local time is UTC+5. Seconds after `received`:

| case | prio | district | channel / partner       | local | dispatch | en route | scene | note           |
|------|------|----------|-------------------------|-------|----------|----------|-------|----------------|
| A    | 1    | central  | phone_102 (+ halyk app) | 10:00 | 60       | 90       | 390   | two appeals    |
| B    | 1    | central  | partner_app / kaspi     | 11:00 | 120      | 150      | 600   |                |
| C    | 2    | north    | phone_102               | 12:00 | 30       | 40       | 300   |                |
| D    | 2    | north    | phone_102               | 13:00 | 100      | 200      | 180   | travel -20     |
| E    | 3    | central  | phone_102               | 14:00 | 300      | —        | —     | never reached  |
| F    | 1    | central  | phone_102               | 15:00 | 45       | 60       | 240   | reopened       |
| G    | 1    | central  | partner_app / police102 | 10:05 | —        | —        | —     | merged into A  |
| H    | 2    | central  | phone_102               | 16:00 | -30      | 10       | 200   | call proc. -30 |
| I    | 1    | central  | phone_102               | 2 Apr | 50       | 70       | 400   | another month  |

Each dispatched case has one assignment whose unit stamps are its own: assigned with the dispatch,
acknowledged `ack` seconds after it, en route and on scene with the incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from kuzet.analytics.cad.tables import cad_imports, imported_incidents
from kuzet.appeals.store import AppealRepository
from kuzet.container import Services
from kuzet.core.uow import UnitOfWork
from kuzet.dispatch.domain import AssignmentStatus
from kuzet.dispatch.store import AssignmentRepository
from kuzet.incidents.domain import Incident, IncidentStatus, Stamps
from kuzet.incidents.store import IncidentRepository
from kuzet.units.domain import CrewMember, Unit, UnitStatus, UnitType
from kuzet.units.store import UnitRepository

DAY = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)  # 10:00 in Almaty
CREATED = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    name: str
    priority: int
    district: str
    category: str
    received: datetime
    dispatched: int | None = None
    en_route: int | None = None
    on_scene: int | None = None
    ack: int | None = None  # the unit acknowledged this long after its dispatch
    unit_type: UnitType = UnitType.PATROL_CAR
    appeals: tuple[tuple[str, str | None, int], ...] = (("phone_102", None, 0),)
    reopened: bool = False
    merged_into: str | None = None
    status: IncidentStatus = IncidentStatus.CLOSED


CASES = (
    Case(
        "A",
        1,
        "central",
        "fight",
        DAY,
        60,
        90,
        390,
        ack=15,
        appeals=(("phone_102", None, 0), ("partner_app", "halyk", 30)),
    ),
    Case(
        "B",
        1,
        "central",
        "fight",
        DAY + timedelta(hours=1),
        120,
        150,
        600,
        ack=10,
        unit_type=UnitType.RAPID_RESPONSE,
        appeals=(("partner_app", "kaspi", 0),),
    ),
    Case("C", 2, "north", "theft", DAY + timedelta(hours=2), 30, 40, 300, ack=5),
    Case("D", 2, "north", "theft", DAY + timedelta(hours=3), 100, 200, 180),
    Case("E", 3, "central", "noise", DAY + timedelta(hours=4), 300, status=IncidentStatus.DISPATCHED),
    Case("F", 1, "central", "fight", DAY + timedelta(hours=5), 45, 60, 240, ack=20, reopened=True),
    Case(
        "G",
        1,
        "central",
        "fight",
        DAY + timedelta(minutes=5),
        appeals=(("partner_app", "police102", 0),),
        merged_into="A",
        status=IncidentStatus.QUEUED,
    ),
    Case("H", 2, "central", "theft", DAY + timedelta(hours=6), -30, 10, 200, ack=25),
    Case("I", 1, "central", "fight", datetime(2026, 4, 2, 5, 0, tzinfo=UTC), 50, 70, 400, ack=30),
)


def _after(case: Case, seconds: int | None) -> datetime | None:
    return None if seconds is None else case.received + timedelta(seconds=seconds)


@dataclass
class Loaded:
    incidents: dict[str, int] = field(default_factory=dict)
    assignments: dict[str, int] = field(default_factory=dict)
    units: dict[UnitType, int] = field(default_factory=dict)


def add_case(uow: UnitOfWork, case: Case, loaded: Loaded, *, at: datetime = CREATED) -> None:
    stamps = Stamps(
        received_at=case.received,
        first_dispatched_at=_after(case, case.dispatched),
        first_en_route_at=_after(case, case.en_route),
        first_on_scene_at=_after(case, case.on_scene),
    )
    draft = Incident(
        id=0,
        number=f"INC-TEST-{case.name}",
        status=case.status,
        category_code=case.category,
        priority=case.priority,
        district=case.district,
        lat=None,
        lon=None,
        address=None,
        description=f"case {case.name}",
        stamps=stamps,
        merged_into_id=loaded.incidents[case.merged_into] if case.merged_into else None,
        reopen_count=1 if case.reopened else 0,
        reopened_at=_after(case, 3600) if case.reopened else None,
    )
    incident = uow.repo(IncidentRepository).add(number=draft.number, incident=draft, at=at)
    loaded.incidents[case.name] = incident.id
    for n, (channel, partner, offset) in enumerate(case.appeals):
        add_appeal(uow, incident.id, f"AP-{case.name}-{n}", channel, partner, case.received, offset, at)
    if case.dispatched is not None:
        add_assignment(uow, case, loaded, at)


def add_appeal(
    uow: UnitOfWork,
    incident_id: int,
    number: str,
    channel: str,
    partner: str | None,
    received: datetime,
    offset: int,
    at: datetime,
) -> None:
    uow.repo(AppealRepository).add(
        number=number,
        channel=channel,
        partner=partner,
        received_at=received + timedelta(seconds=offset),
        text="test",
        category_code="fight",
        incident_id=incident_id,
        created_by="test",
        created_at=at,
    )


def unit_of(uow: UnitOfWork, loaded: Loaded, unit_type: UnitType) -> int:
    if unit_type not in loaded.units:
        unit = Unit(
            0, f"T-{unit_type.value}", unit_type, "central", (CrewMember("Test"),), UnitStatus.AVAILABLE, DAY
        )
        loaded.units[unit_type] = uow.repo(UnitRepository).add(unit, at=DAY).id
    return loaded.units[unit_type]


def add_assignment(uow: UnitOfWork, case: Case, loaded: Loaded, at: datetime) -> None:
    repo = uow.repo(AssignmentRepository)
    assigned = _after(case, case.dispatched)
    assert assigned is not None
    added = repo.add(
        incident_id=loaded.incidents[case.name],
        unit_id=unit_of(uow, loaded, case.unit_type),
        at=assigned,
        by="test",
    )
    # Saved as cleared (inactive), so that the next case may use the same unit.
    done = replace(
        added,
        status=AssignmentStatus.CLEARED,
        acknowledged_at=None if case.ack is None else assigned + timedelta(seconds=case.ack),
        en_route_at=_after(case, case.en_route),
        on_scene_at=_after(case, case.on_scene),
        cleared_at=_after(case, 3000),
    )
    repo.save(done)
    loaded.assignments[case.name] = added.id


def load(services: Services, cases: tuple[Case, ...] = CASES) -> Loaded:
    loaded = Loaded()
    with services.uow() as uow:
        for case in cases:
            add_case(uow, case, loaded)
        uow.commit()
    return loaded


# J: an imported incident (priority 1, central, 20 March 2026): dispatched 60 s, en route 100 s, on scene
# 500 s after it was received; its export had a further stamp, the scene secured 120 s after arrival.
IMPORTED_RECEIVED = datetime(2026, 3, 20, 5, 0, tzinfo=UTC)


def load_imported(services: Services) -> None:
    received = IMPORTED_RECEIVED
    row: dict[str, Any] = {
        "number": "OLD-2026-0001",
        "category_code": "fight",
        "category_raw": "Драка",
        "priority": 1,
        "district": "central",
        "channel": "phone_102",
        "partner": None,
        "unit_type": "patrol_car",
        "received_at": received,
        "first_dispatched_at": received + timedelta(seconds=60),
        "first_en_route_at": received + timedelta(seconds=100),
        "first_on_scene_at": received + timedelta(seconds=500),
        "cleared_at": None,
        "closed_at": None,
        "disposition": "other",
        "stamps": {
            "scene_secured_at": (received + timedelta(seconds=620)).isoformat(),
            "bad": "NOT CAPTURED",
        },
    }
    with services.engine.begin() as connection:
        import_id = connection.execute(
            insert(cad_imports)
            .values(
                file_name="old.csv",
                file_sha256="0" * 64,
                mapping_name="old.toml",
                started_at=CREATED,
                finished_at=CREATED,  # a whole import: analytics reads no running one
                rows_read=1,
                rows_imported=1,
                rows_rejected=0,
                duplicates=0,
                report={"status": "imported"},
                imported_by="test",
            )
            .returning(cad_imports.c.id)
        ).scalar_one()
        connection.execute(insert(imported_incidents).values(import_id=import_id, **row))
