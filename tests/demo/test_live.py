"""The living demo against a real server: appeals arrive through 102 and the partner apps, the simulated
dispatcher sends units, and the units drive their routes, report GPS and reach the scene."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import func, select

from kuzet.appeals.store import appeals
from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.clock import LOCAL_TZ
from kuzet.demo.live import prepare
from kuzet.demo.runner import Options
from kuzet.demo.seed import seed_demo_partners
from kuzet.demo.world import World
from kuzet.dispatch.store import assignments
from kuzet.incidents.store import incidents
from kuzet.units.positions import service as positions
from tests.conftest import LiveServer
from tests.ops import NEAR_PLAZA, Centre

# Two demo minutes a real second, from a weekday evening's peak, at a busy region's rate.
OPTIONS = Options(
    speedup=120.0, appeals_per_hour=60.0, seed=7, start=datetime(2026, 10, 14, 19, tzinfo=LOCAL_TZ)
)


def _where_units_are(services: Services) -> dict[str, tuple[float, float]]:
    return {sign: (p.lat, p.lon) for sign, _, p in positions.latest(services.uow(), by=Actor.system("test"))}


def _progress(services: Services, human_assignment: int) -> dict[str, int]:
    with services.engine.connect() as connection:
        channels = dict(
            connection.execute(select(appeals.c.channel, func.count()).group_by(appeals.c.channel)).all()
        )
        sent = connection.execute(select(func.count()).select_from(assignments)).scalar_one()
        arrived = connection.execute(
            select(func.count()).where(incidents.c.first_on_scene_at.is_not(None))
        ).scalar_one()
        human = connection.execute(
            select(assignments.c.on_scene_at).where(assignments.c.id == human_assignment)
        ).scalar_one()
    return {**channels, "assignments": sent, "arrived": arrived, "human_on_scene": int(human is not None)}


def _done(seen: dict[str, int]) -> bool:
    return all(
        seen.get(k, 0) > 0 for k in ("phone_102", "partner_app", "assignments", "arrived", "human_on_scene")
    )


@pytest.mark.slow
def test_traffic_and_units_make_the_demo_live(
    world: World, services: Services, server: LiveServer, centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sped-up units drive faster in real time than any car: the demo server accepts that; so does this one.
    monkeypatch.setattr(services.settings, "position_max_speed_kmh", 100_000.0)
    seed_demo_partners(services)
    # A person at the console sends a unit before the simulation starts: the simulated units follow it too.
    incident = centre.call_taker.call(at=NEAR_PLAZA)["incident"]
    berkut = next(
        u
        for u in centre.dispatcher.ok(centre.dispatcher.get("/api/v1/units"))
        if u["call_sign"] == "Беркут-1"
    )
    human = centre.dispatcher.ok(
        centre.dispatcher.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": berkut["id"]}),
        201,
    )
    before = _where_units_are(services)
    simulation = prepare(services, server.url, OPTIONS)
    stop = threading.Event()
    runner = threading.Thread(target=simulation.run, args=(stop,), kwargs={"seconds": 40}, daemon=True)
    runner.start()
    seen: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not (
            _done(seen) and simulation.dispatcher.sent > 0 and simulation.fleet.steps["on_scene"] > 0
        ):
            time.sleep(0.5)
            seen = _progress(services, human["id"])
    finally:
        stop.set()
        runner.join(15)
        simulation.close()
    assert not runner.is_alive()
    assert seen.get("phone_102", 0) > 0 and seen.get("partner_app", 0) > 0, seen
    assert seen["assignments"] > 0 and seen["arrived"] > 0, seen
    after = _where_units_are(services)
    moved = [sign for sign in after if sign in before and after[sign] != before[sign]]
    assert moved, "no unit reported a new position"
    assert simulation.dispatcher.sent > 0 and simulation.fleet.steps["on_scene"] > 0
    assert seen["human_on_scene"] and simulation.fleet.steps["adopted"] >= 1
