"""What keeps the demo's cameras alive in Kuzet: the demo's camera analytics system (an analytics source with
its own key, as `kuzet cctv source add` registers one), a small watch list of wanted cars, and the plan the
camera simulator reports by: a heartbeat of every camera every 30 s, one camera going silent past the offline
limit now and then (the supervisor sees the alarm, then the camera comes back), and a plate read every few
demo minutes, a few of them of the wanted cars, so that a camera appeal reaches the queue a few times an hour
of demo time.

The source's key stays sealed in the database, as every source key does; the demo opens it to hand it to the
simulator (through its environment), as a camera system's installer would be handed it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from kuzet.cctv import camera_events_service, watchlist_service
from kuzet.cctv.camera_events import AnalyticsSource
from kuzet.cctv.camera_events_store import SourceRepository
from kuzet.cctv.camera_sim_reporter import ReportPlan
from kuzet.config import Settings
from kuzet.container import Services
from kuzet.core.errors import Conflict
from kuzet.demo.seed import DEMO_ACTOR

DEMO_SOURCE: Final = AnalyticsSource("demo_cameras", "Demo: camera analytics of the city cameras", True)
# The demo's watch list: plates of cars the police look for, driving about the demo town.
DEMO_WANTED: Final = (
    ("777 KZT 02", "Угон: Toyota Camry, белая (демо)"),
    ("505 ABK 01", "Угон: Lada Vesta, серая (демо)"),
    ("120 ZZB 05", "Розыск: скрылся с места ДТП (демо)"),
)
WATCH_DAYS: Final = 365
HEARTBEAT_S: Final = 30.0
PLATE_EVERY_DEMO_MIN: Final = 8.0  # a plate read every 8 demo minutes on average: 7.5 an hour
WANTED_SHARE: Final = 0.4  # about 3 of them an hour a wanted car, most read confidently enough to alert
SILENCE_EVERY_S: Final = 15 * 60.0  # real time, as the offline limit is: a camera goes silent every ~15 min
SILENCE_PAST_LIMIT_S: Final = 90.0  # … and stays so this long past the limit, then comes back


@dataclass(frozen=True)
class Reporting:
    """What the camera simulator needs to report to Kuzet."""

    base_url: str
    key_id: str
    secret: str
    plan: ReportPlan


def seed_demo_camera_source(services: Services) -> list[str]:
    """Register the demo's camera analytics source, if absent. Returns the codes registered now."""
    try:
        camera_events_service.create(
            services.uow(), services.auth.box, source=DEMO_SOURCE, by=DEMO_ACTOR, at=services.clock.now()
        )
    except Conflict:
        return []
    return [DEMO_SOURCE.code]


def seed_demo_watchlist(services: Services) -> list[str]:
    """Put the demo's wanted cars on the watch list, those not on it. Returns the plates added now."""
    added = []
    now = services.clock.now()
    for plate, reason in DEMO_WANTED:
        try:
            watchlist_service.add(
                services.uow(),
                plate=plate,
                reason=reason,
                expires_at=now + timedelta(days=WATCH_DAYS),
                by=DEMO_ACTOR,
                at=now,
            )
        except Conflict:
            continue
        added.append(plate)
    return added


def demo_source_key(services: Services) -> tuple[str, str] | None:
    """The demo source's newest key still valid (id, secret); None when an administrator disabled the
    source or let its keys expire: then the simulator does not report."""
    now = services.clock.now()
    with services.uow() as uow:
        repo = uow.repo(SourceRepository)
        source = repo.find(DEMO_SOURCE.code)
        if source is None or not source.enabled:
            return None
        valid = [key_id for key_id, expires in repo.key_ids(source.code) if expires is None or expires > now]
        key = repo.key(valid[-1], services.auth.box) if valid else None
    return None if key is None else (key.key_id, key.secret)


def demo_plan(settings: Settings) -> ReportPlan:
    """The reporting plan at the demo's speed-up (plate reads run on demo time, heartbeats on real time)."""
    return ReportPlan(
        heartbeat_s=HEARTBEAT_S,
        plate_every_s=PLATE_EVERY_DEMO_MIN * 60.0 / settings.demo_speedup,
        wanted_plates=tuple(plate for plate, _ in DEMO_WANTED),
        wanted_share=WANTED_SHARE,
        silence_every_s=SILENCE_EVERY_S,
        silence_s=settings.cctv_offline_seconds + SILENCE_PAST_LIMIT_S,
    )


def demo_reporting(services: Services, base_url: str) -> Reporting | None:
    key = demo_source_key(services)
    if key is None:
        return None
    return Reporting(base_url, key[0], key[1], demo_plan(services.settings))
