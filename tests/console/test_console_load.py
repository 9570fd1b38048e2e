"""The console under a full shift's load, measured in the browser: page weight and time to interactive on
first load, and 500 open incidents with 200 moving units rendered without stutter. The figures are
printed and written to test-output/console/load.json."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kuzet.core.auth.domain import Role
from kuzet.geo.runtime import Roads
from tests.console.browser import OUTPUT, Console, Operator
from tests.ops import Centre

INCIDENTS = 500
UNITS = 200
WEIGHT_LIMIT = 1_500_000
CATEGORIES = ["fight", "theft", "noise", "domestic_violence", "traffic_accident_no_injured", "robbery"]

# Frame timing in the page: every animation frame's gap, recorded while the load runs.
FRAME_PROBE = """
() => { window.__frames = []; let last = performance.now();
  const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__frames.length < 100000)
  requestAnimationFrame(tick); }; requestAnimationFrame(tick); }
"""


def seed(centre: Centre, roads: Roads) -> list[tuple[float, float]]:
    """500 open incidents and 200 units on shift with positions, spread over the demo map's roads.
    Returns where the units are."""
    rng = random.Random(7)
    graph = roads.graph
    nodes = rng.sample(range(graph.node_count), INCIDENTS + UNITS)
    for n in nodes[:INCIDENTS]:
        centre.call_taker.call(
            at=(float(graph.lat[n]), float(graph.lon[n])), category_code=rng.choice(CATEGORIES), address=None
        )
    fixes = []
    for i, n in enumerate(nodes[INCIDENTS:]):
        sign = f"Load-{i + 1}"
        centre.supervisor.unit(sign)
        fixes.append(position(sign, float(graph.lat[n]), float(graph.lon[n])))
    centre.dispatcher.ok(centre.dispatcher.post("/api/v1/units/positions", {"fixes": fixes}))
    return [(f["lat"], f["lon"]) for f in fixes]


def position(sign: str, lat: float, lon: float) -> dict[str, Any]:
    return {"call_sign": sign, "at": datetime.now(UTC).isoformat(), "lat": lat, "lon": lon}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def test_a_full_shift_renders_fast_and_light(
    open_console: Callable[[], Console],
    operator: Callable[..., Operator],
    centre: Centre,
    andorra_roads: Roads,
) -> None:
    where = seed(centre, andorra_roads)
    desk = operator("loaddesk", Role.DISPATCHER)
    console = open_console()
    page = console.page
    transferred: list[int] = []

    def count(request: Any) -> None:
        sizes = request.sizes()
        transferred.append(sizes["responseBodySize"] + sizes["responseHeadersSize"])

    page.on("requestfinished", count)
    started = time.monotonic()
    console.open()
    page.wait_for_selector(console.by("login-username"), state="visible")
    interactive_s = time.monotonic() - started
    logged_in = time.monotonic()
    console.login(desk.username)
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=queue-row]').length >= n", arg=INCIDENTS, timeout=20_000
    )
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=unit-row]').length >= n || "
        "Number(document.querySelector('[data-testid=map]').dataset.units || 0) >= n",
        arg=UNITS,
        timeout=20_000,
    )
    loaded_s = time.monotonic() - logged_in
    page.wait_for_timeout(500)
    weight = sum(transferred)

    # Live load: every unit moves every second and new calls keep coming, while frames are timed.
    page.evaluate(FRAME_PROBE)
    rng = random.Random(11)
    for _ in range(5):
        moves = []
        for i in range(UNITS):  # about ten metres a second each, like cars in town
            lat, lon = where[i]
            where[i] = (lat + rng.uniform(-1e-4, 1e-4), lon + rng.uniform(-1e-4, 1e-4))
            moves.append(position(f"Load-{i + 1}", *where[i]))
        centre.dispatcher.ok(centre.dispatcher.post("/api/v1/units/positions", {"fixes": moves}))
        centre.call_taker.call(category_code="noise")
        page.wait_for_timeout(1000)
    frames: list[float] = page.evaluate("window.__frames")
    figures = {
        "first_load_bytes": weight,
        "interactive_s": round(interactive_s, 3),
        "login_to_500_incidents_and_200_units_s": round(loaded_s, 3),
        "frames": len(frames),
        "frame_p50_ms": round(percentile(frames, 0.5), 1),
        "frame_p95_ms": round(percentile(frames, 0.95), 1),
        "frame_max_ms": round(max(frames), 1),
    }
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "load.json").write_text(json.dumps(figures, indent=2))
    print("console load:", figures)
    assert weight <= WEIGHT_LIMIT
    assert interactive_s <= 1.0
    assert figures["frame_p95_ms"] <= 50, figures
