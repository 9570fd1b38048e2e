"""One load test run against running servers, over HTTP only: log in, open the consoles, play the window of
the day, let the people finish what they started, and report.

The work is spread over the targets: each call-taker and dispatcher has a session on every target and uses
one of them at random for each call; partner appeals go to a target at random; each district has a console
on every target, so a change made through one host is timed to the consoles of the others too.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from kuzet.demo.access import Account
from kuzet.demo.traffic import Kind
from kuzet.operations import loadtest_plan as plan
from kuzet.operations.loadtest_access import LoadAccess
from kuzet.operations.loadtest_flows import Dispatch, Gps, Intake, Terminal
from kuzet.operations.loadtest_http import Console, FeedTracker, Session, Target
from kuzet.operations.loadtest_report import Recorder, report

CONNECT_WAIT_S: Final = 20.0
FINISH_WAIT_S: Final = 60.0
FEED_DRAIN_S: Final = 2.0


@dataclass(frozen=True)
class RunOptions:
    day: plan.Day
    run_s: float  # real seconds to play
    start_day_s: float | None = None  # where in the day to start (None: the busiest window)
    units: int = 200  # GPS terminals (at most the units with a position)
    consoles_per_district: int = 1  # on each target
    seed: int | None = None


def _spawn(tasks: set[asyncio.Task[Any]], work: Awaitable[Any]) -> None:
    task: asyncio.Task[Any] = asyncio.ensure_future(work)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def _sessions(
    targets: list[Target], logins: dict[str, Account], recorder: Recorder
) -> dict[str, list[Session]]:
    by_district = {d: [Session(t, login, recorder) for t in targets] for d, login in logins.items()}
    await asyncio.gather(*(s.open() for sessions in by_district.values() for s in sessions))
    return by_district


async def _terminals(dispatchers: dict[str, list[Session]], limit: int) -> list[Terminal]:
    """The units' last positions, read through each district's dispatcher, as the terminals' start."""
    terminals: list[Terminal] = []
    for district, desks in sorted(dispatchers.items()):
        response = await desks[0].client.get("/api/v1/units/positions", headers=desks[0].headers)
        response.raise_for_status()
        for p in response.json():
            if p.get("district", district) == district:
                home = (float(p["lat"]), float(p["lon"]))
                terminals.append(Terminal(p["call_sign"], district, home[0], home[1], home, 0))
    terminals = terminals[:limit]
    for index, terminal in enumerate(terminals):
        terminal.slot = index % 5
    return terminals


def _without_sniffio_lookups() -> None:
    """httpcore asks for sniffio at every request; when it is not installed, each failed import searches
    the whole path again, which made a third of the generator's time. A None entry makes it fail at once."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


async def run(access: LoadAccess, urls: list[str], options: RunOptions) -> dict[str, Any]:
    """Play the window of the day against the servers at `urls`; return the report (plain data)."""
    _without_sniffio_lookups()
    recorder = Recorder()
    tracker = FeedTracker(recorder)
    rng = np.random.default_rng(options.seed)
    stop, feeds_stop = asyncio.Event(), asyncio.Event()
    targets = [Target(i, url) for i, url in enumerate(urls)]
    background: set[asyncio.Task[Any]] = set()
    try:
        call_takers = await _sessions(targets, access.call_takers, recorder)
        dispatchers = await _sessions(targets, access.dispatchers, recorder)
        first = dispatchers[access.districts[0]][0]
        listed = await first.client.get("/api/v1/categories", headers=first.headers)
        listed.raise_for_status()
        kinds = {c["code"]: Kind(c["code"], c["group"]) for c in listed.json()}
        dispatch = Dispatch(
            dispatchers=dispatchers, speedup=options.day.speedup, rng=rng, tracker=tracker,
            recorder=recorder, stop=stop,
        )  # fmt: skip
        consoles: list[Console] = []
        for target in targets:
            for login in access.dispatchers.values():
                for _ in range(options.consoles_per_district):
                    session = Session(target, login, recorder)
                    await session.open()
                    console = Console(
                        len(consoles), session, tracker,
                        lambda c, kind, data: dispatch.heard(c.session.district, kind, data),
                    )  # fmt: skip
                    consoles.append(console)
                    _spawn(background, console.run(feeds_stop))
        await asyncio.wait_for(asyncio.gather(*(c.connected.wait() for c in consoles)), CONNECT_WAIT_S)
        gps = Gps(await _terminals(dispatchers, options.units), dispatchers, rng, recorder)
        await gps.warm_up()
        intake = Intake(
            call_takers=call_takers, partners={p.code: p for p in access.partners}, targets=targets,
            places=access.places(), kinds=kinds, rng=rng, tracker=tracker, recorder=recorder,
        )  # fmt: skip
        start = options.start_day_s
        if start is None:
            start = options.day.busiest_start(options.run_s)
        arrivals = plan.schedule(
            options.day, rng, run_s=options.run_s, start_day_s=start,
            partners=tuple(p.code for p in access.partners),
        )  # fmt: skip
        _spawn(background, gps.run(stop))
        flows: set[asyncio.Task[Any]] = set()
        began, cpu = time.perf_counter(), time.process_time()
        for arrival in arrivals:
            due = began + arrival.at_s
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            recorder.latency("generator_lag", max(0.0, time.perf_counter() - due))
            _spawn(flows, intake.send(arrival))
        await asyncio.sleep(max(0.0, began + options.run_s - time.perf_counter()))
        ran = time.perf_counter() - began
        stop.set()  # the people finish what they started, without waiting out the day's pace
        pending = flows | dispatch.tasks | gps.tasks
        if pending:
            await asyncio.wait(pending, timeout=FINISH_WAIT_S)
        await dispatch.close_waiting()
        unfinished = sum(1 for task in pending if not task.done())
        if unfinished:
            recorder.error("unfinished at the end")
        await asyncio.sleep(FEED_DRAIN_S)
        tracker.finish()
        recorder.outcome("appeals scheduled", len(arrivals))
        recorder.outcome("feed events read", sum(c.events for c in consoles))
        return report(
            recorder,
            targets=urls,
            day={
                "date": options.day.on.isoformat(),
                "scale": options.day.scale,
                "day_minutes": options.day.day_minutes,
                "appeals_per_day": round(options.day.appeals(), 0),
                "window_local": f"{_clock(start)}–{_clock(start + ran * options.day.speedup)}",
            },
            ran_s=round(ran, 1),
            generator_cpu_s=round(time.process_time() - cpu, 1),
            gps_terminals=len(gps.terminals),
            consoles=len(consoles),
        )
    finally:
        feeds_stop.set()
        stop.set()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        for target in targets:
            await target.close()


def _clock(day_s: float) -> str:
    minutes = int(day_s // 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
