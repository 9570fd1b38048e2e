"""The load tester against two real servers on one database, for a few seconds at a small scale: it prepares
its accounts, keys and units, plays the day, and reports what it did and how long each kind of work took."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from kuzet.app import create_app
from kuzet.appeals.store import appeals
from kuzet.container import Services
from kuzet.demo.seed import seed_demo_positions, seed_demo_units
from kuzet.demo.world import seed_demo_world
from kuzet.dispatch.store import assignments
from kuzet.geo.runtime import Roads
from kuzet.operations import loadtest_access
from kuzet.operations.loadtest_plan import Day, peak_day, schedule
from kuzet.operations.loadtest_prepare import prepare
from kuzet.operations.loadtest_run import RunOptions, run
from tests.conftest import LiveServer, running_server


@pytest.fixture
def second_host(server: LiveServer) -> Iterator[str]:
    """Another server process's stand-in: its own app and live hub, over the same database."""
    with running_server(create_app(server.services.settings, services=server.services)) as url:
        yield url


@pytest.fixture
def demo_world(services: Services, andorra_roads: Roads, andorra_gazetteer: None) -> None:
    services.geo.reload()
    seed_demo_units(services)
    seed_demo_positions(services)
    seed_demo_world(services)


def _count(services: Services, table: object) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_the_day_follows_the_hourly_profile() -> None:
    day = Day(peak_day(2026), scale=10.0, day_minutes=10.0)
    assert day.on == date(2026, 7, 4)  # a Saturday of July: the busiest weekday of the busiest month
    assert 5_000 < day.appeals() < 7_500  # 10 x the region's ~560 a day, on its busiest day
    night, evening = day.rate(5 * 3600.0), day.rate(21 * 3600.0)
    assert evening > 3 * night
    start = day.busiest_start(120.0)
    assert 15 * 3600 <= start <= 21 * 3600
    arrivals = schedule(day, np.random.default_rng(1), run_s=120.0, start_day_s=start)
    expected = sum(day.rate(start + s * day.speedup) for s in range(120))
    assert abs(len(arrivals) - expected) < 5 * expected**0.5
    share = sum(a.channel == "partner_app" for a in arrivals) / len(arrivals)
    assert 0.2 < share < 0.4


@pytest.mark.slow
def test_a_short_busy_day_is_measured_on_two_hosts(
    demo_world: None, services: Services, server: LiveServer, second_host: str, tmp_path: Path
) -> None:
    access, created = prepare(services, units_wanted=45, seed=5)
    assert created == 45 - 40  # the demo's forty units, and five more for the load
    path = tmp_path / "access.json"
    loadtest_access.save(access, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    appeals_before = _count(services, appeals)
    options = RunOptions(day=Day(peak_day(2026), scale=1.0, day_minutes=10.0), run_s=6.0, units=45, seed=11)
    # A thread of its own: the browser tests' Playwright keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        work = pool.submit(asyncio.run, run(loadtest_access.load(path), [server.url, second_host], options))
        data = work.result()
    json.dumps(data)  # the report is plain data, for --json

    requests, latency = data["requests"], data["latency"]
    sent = requests.get("intake_102", 0) + requests.get("intake_partner", 0)
    assert sent > 0 and requests["intake_102"] > 0
    # Every appeal answered is in the database, and timed once.
    assert _count(services, appeals) - appeals_before == latency["intake"]["n"] == sent
    for kind in ("intake", "recommendation", "assignment", "feed", "feed_other_host", "gps"):
        figures = latency[kind]
        assert figures["n"] > 0, kind
        assert 0 <= figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"] < 10_000, kind
    assert latency["assignment"]["n"] == _count(services, assignments)
    # Each appeal reaches the consoles of its district on both hosts.
    assert latency["feed"]["n"] >= 2 * sent
    assert data["gps_terminals"] == 45 and data["consoles"] == 2 * len(access.districts)
    assert data["errors"] == {} and data["error_total"] == 0
