"""The planner on a small street grid: posts by maximal coverage, the Erlang quick check, the search for the
cheapest plan that meets the target, and bad input named by its field.

The history is made here: two districts (the grid's west and east halves), calls at random corners of each,
with fixed handling, turnout and time on scene, so that the load of each district is known.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]

from kuzet.planning.errors import PlanningInputError
from kuzet.planning.history import History
from kuzet.planning.planner import PlanSearch, Targets
from kuzet.planning.scenario import scenario_from_plan
from tests.planning.sim_support import grid

START = datetime(2025, 1, 1, tzinfo=UTC)
SIDE = 12


def history(calls: int = 1200, days: int = 30, seed: int = 3, on_scene_s: float = 1800.0) -> History:
    g = grid(SIDE)
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for received in np.sort(rng.uniform(0, days * 86400.0, size=calls)):
        node = int(rng.integers(0, g.node_count))
        at = START + timedelta(seconds=float(received))
        sent = at + timedelta(seconds=60)
        went = sent + timedelta(seconds=30)
        arrived = went + timedelta(seconds=240)
        rows.append(
            {
                "received_at": at, "category_code": "theft", "priority": int(rng.integers(1, 4)),
                "district": "west" if node % SIDE < SIDE // 2 else "east",
                "lat": float(g.lat[node]), "lon": float(g.lon[node]),
                "first_dispatched_at": sent, "first_en_route_at": went, "first_on_scene_at": arrived,
                "cleared_at": arrived + timedelta(seconds=on_scene_s), "category_group": "property",
            }
        )  # fmt: skip
    return History.from_rows(rows)


def test_posts_cover_the_most_weight_within_the_target() -> None:
    g = grid(SIDE)
    search = PlanSearch(history(), g, Targets(2.0, 4.0))
    west = search.groups.index(next(x for x in search.groups if x.district == "west"))
    one, three = search.posts(west, 1), search.posts(west, 3)
    assert len(one) == 1 and len(three) == 3 and len(set(three)) == 3
    # Every post is a node of the district, and three posts reach at least as much weight as any single node.
    assert all(n % SIDE < SIDE // 2 for n in three)
    n = g.node_count
    times = dijkstra(csr_matrix((g.travel_seconds(), g.head, g.indptr), shape=(n, n)), indices=three)
    west_nodes = np.array([k for k in range(n) if k % SIDE < SIDE // 2])
    reached = (times[:, west_nodes] <= 120.0).any(axis=0).mean()
    alone = (times[0, west_nodes] <= 120.0).mean()
    assert reached > alone


def test_the_quick_check_grows_with_the_load() -> None:
    g = grid(SIDE)
    light = PlanSearch(history(on_scene_s=600.0), g, Targets(7.0, 12.0))
    heavy = PlanSearch(history(on_scene_s=7200.0), g, Targets(7.0, 12.0))
    assert all(light.fewest_units(i) >= 1 for i in range(len(light.groups)))
    assert sum(heavy.fewest_units(i) for i in range(2)) > sum(light.fewest_units(i) for i in range(2))


def test_the_search_finds_the_cheapest_plan_that_meets_a_reachable_target() -> None:
    g = grid(SIDE)
    search = PlanSearch(history(), g, Targets(7.0, 9.0))
    outcome = search.search(units_max=12, start=START, hours=24 * 5, seeds=range(3))
    assert outcome.met and outcome.chosen.meets(search.targets)
    median = outcome.chosen.figure("response.all.median_s")
    assert median.n == 3 and median.low <= median.mean <= median.high <= 7.0 * 60 + median.high - median.mean
    # Cheapest along the search: every plan with fewer units that was kept missed the target.
    assert all(not s.meets(search.targets) for s in outcome.path if s.units < outcome.chosen.units)
    plan = search.plan(outcome.chosen.counts)
    scenario = scenario_from_plan(plan, node_count=g.node_count)
    assert len(scenario.units) == outcome.chosen.units


def test_an_unreachable_target_reports_the_best_found_under_the_cap() -> None:
    g = grid(SIDE)
    search = PlanSearch(history(), g, Targets(1.0, 1.2))  # handling and turnout alone take 1.5 min
    outcome = search.search(units_max=4, start=START, hours=24 * 3, seeds=range(2))
    assert not outcome.met
    assert outcome.chosen.units <= 4 and max(s.units for s in outcome.path) == 4


def test_bad_input_names_the_field() -> None:
    g = grid(SIDE)
    with pytest.raises(PlanningInputError) as empty:
        History.from_rows([])
    assert empty.value.field == "history"
    search = PlanSearch(history(calls=200), g, Targets(7.0, 12.0))
    with pytest.raises(PlanningInputError) as negative:
        search.plan([-1, 2])
    assert negative.value.field == "counts[0]"
    with pytest.raises(PlanningInputError) as cap:
        search.search(units_max=0, start=START, hours=24, seeds=range(2))
    assert cap.value.field == "units_max"
    with pytest.raises(PlanningInputError) as outside:
        scenario_from_plan({"posts": [{"node": g.node_count + 5}]}, node_count=g.node_count)
    assert outside.value.field == "posts[0].node"
    with pytest.raises(PlanningInputError) as target:
        Targets(7.0, 5.0)
    assert target.value.field == "target_p90"


def test_shifts_make_one_group_per_district_and_shift_with_their_hours_in_the_plan() -> None:
    g = grid(SIDE)
    search = PlanSearch(history(), g, Targets(7.0, 12.0), shifts=("08-20", "20-08"))
    assert sorted(x.label for x in search.groups) == ["east 08-20", "east 20-08", "west 08-20", "west 20-08"]
    plan = search.plan([1, 1, 2, 1])
    assert {p["shift"] for p in plan["posts"]} == {"08-20", "20-08"}
    scenario = scenario_from_plan(plan, node_count=g.node_count)
    assert len(scenario.units) == 5
    with pytest.raises(PlanningInputError) as bad:
        PlanSearch(history(calls=100), g, Targets(7.0, 12.0), shifts=("8h-20h",))
    assert bad.value.field == "shifts[0]"
