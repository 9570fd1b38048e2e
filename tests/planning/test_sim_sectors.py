"""Patrol sectors: a unit that patrols a set of nodes instead of waiting at one post.

A free patrolling unit is at one of its sector's nodes, each equally likely (Larson's mobile unit), so at
light load its mean drive to a call is the average of the drives from the sector's nodes; after a call it
drives back to the sector's nearest node.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from kuzet.planning.errors import PlanningInputError
from kuzet.planning.profile import ArrivalProfile
from kuzet.planning.scenario import Scenario, UnitSpec, scenario_from_plan
from kuzet.planning.sim import simulate
from kuzet.planning.travel import TravelTable
from kuzet.units.domain import UnitType
from tests.planning.sim_support import ExponentialDemand, grid

SIDE = 6
SECTOR = (0, 1, 2, 3, 4, 5)  # the grid's first street
CALLS_AT = SIDE * SIDE - 1  # the far corner


def test_a_plan_post_may_patrol_a_sector() -> None:
    plan = {"posts": [{"sector": list(SECTOR), "district": "one", "count": 2}, {"node": 7}]}
    scenario = scenario_from_plan(plan, node_count=SIDE * SIDE)
    first, second, fixed = scenario.units
    assert first.sector == second.sector == SECTOR and first.post_node == SECTOR[0]
    assert first.stations == SECTOR and fixed.stations == (7,) and fixed.sector == ()


@pytest.mark.parametrize(
    ("post", "field"),
    [
        ({"sector": [0, 99]}, "posts[0].sector[1]"),
        ({"sector": [0, "a"]}, "posts[0].sector[1]"),
        ({"sector": []}, "posts[0].sector"),
        ({"sector": 3}, "posts[0].sector"),
        ({}, "posts[0].node"),
    ],
)
def test_a_bad_sector_names_its_field(post: dict[str, object], field: str) -> None:
    with pytest.raises(PlanningInputError) as caught:
        scenario_from_plan({"posts": [post]}, node_count=SIDE * SIDE)
    assert caught.value.field == field


def test_a_patrolling_unit_answers_from_anywhere_in_its_sector() -> None:
    graph = grid(side=SIDE)
    unit = UnitSpec("S1", UnitType.PATROL_CAR, "one", SECTOR[0], sector=SECTOR)
    travel = TravelTable.for_units(graph, [unit])
    from_each = np.array([TravelTable(graph, [node]).to_node(0, CALLS_AT) for node in SECTOR])
    demand = ExponentialDemand(districts=["one"], at_node=CALLS_AT, mean_on_scene_s=60.0)
    record = simulate(
        Scenario((unit,)), travel, demand, ArrivalProfile.flat(0.1),
        start=datetime(2025, 1, 6, tzinfo=UTC), hours=20_000, seed=3,
    )  # fmt: skip
    # Calls that came while the unit was still busy or driving back (its ETA then includes the rest of the
    # drive back) are left out: a minute on scene and a drive back under 4 minutes are over in 10 minutes.
    previous_cleared = np.concatenate([[-np.inf], record.cleared[:-1]])
    settled = record.ready - previous_cleared > 600.0
    sent = settled & ~np.isnan(record.on_scene)
    drives = (record.on_scene - record.en_route)[sent]
    assert len(drives) > 1500
    # Every drive starts at a node of the sector, and every node of the sector is a start.
    starts = np.abs(drives[:, None] - from_each[None, :]).argmin(axis=1)
    assert np.allclose(drives, from_each[starts], atol=1e-6)
    assert set(starts.tolist()) == set(range(len(SECTOR)))
    # The mean drive is the sector's average, not the drive from the post where the unit started.
    margin = 4 * drives.std() / np.sqrt(len(drives))
    assert abs(drives.mean() - from_each.mean()) < margin
    assert abs(from_each[0] - from_each.mean()) > margin


def test_a_patrolling_unit_drives_back_to_its_sectors_nearest_node() -> None:
    graph = grid(side=SIDE)
    unit = UnitSpec("S1", UnitType.PATROL_CAR, "one", SECTOR[0], sector=SECTOR)
    travel = TravelTable.for_units(graph, [unit])
    back = [TravelTable(graph, [node]).back_to_post(0, CALLS_AT) for node in SECTOR]
    assert travel.back_to_post(0, CALLS_AT) == pytest.approx(min(back))
    # Until it is placed again, its drives count from the node it came back to.
    nearest = SECTOR[int(np.argmin(back))]
    assert travel.where()[0] == nearest
    assert travel.to_node(0, 0) == pytest.approx(TravelTable(graph, [nearest]).to_node(0, 0))


def test_a_sector_node_outside_the_graph_is_refused_by_the_tables() -> None:
    unit = UnitSpec("S1", UnitType.PATROL_CAR, "one", 0, sector=(0, 999))
    with pytest.raises(PlanningInputError) as caught:
        TravelTable.for_units(grid(side=SIDE), [unit])
    assert caught.value.field == "units[0].sector[1]"
