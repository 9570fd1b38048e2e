"""`kuzet demo --plan FILE`: the plan's units, on shift, reported at the plan's posts; a bad plan refused with
one line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.geo.graph import haversine_m
from kuzet.geo.runtime import Roads
from kuzet.units import service as units
from kuzet.units.positions import service as positions
from tests.conftest import run_cli

QUIET = {"KUZET_DEMO_HISTORY_INCIDENTS": "0"}


def test_the_demo_puts_a_plans_units_at_its_posts(
    services: Services, andorra_roads: Roads, andorra_gazetteer: None, tmp_path: Path
) -> None:
    graph = andorra_roads.graph
    nodes = [100, graph.node_count // 2, graph.node_count - 3]
    plan = {
        "posts": [
            {"node": nodes[0], "district": "central", "type": "patrol_car", "count": 2, "name": "Plan-A"},
            {"node": nodes[1], "district": "escaldes", "type": "foot_patrol", "count": 1, "name": "Plan-B"},
            {"node": nodes[2], "district": "encamp", "count": 0, "name": "Plan-C"},
        ]
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    result = run_cli(services, "demo", "--no-serve", "--plan", str(path), extra_env=QUIET)
    assert result.returncode == 0, result.stderr
    assert "3 units at the plan's 2 posts" in result.stdout
    board = {u.call_sign: u for u in units.roster(services.uow(), by=Actor.system("test"))}
    planned = {"Plan-A-1", "Plan-A-2", "Plan-B-1"}
    assert planned <= set(board) and not any(sign.startswith("Plan-C") for sign in board)
    assert not any(sign.startswith("Беркут-1") and sign != "Беркут-1" for sign in board)  # no roster units
    assert board["Plan-B-1"].type.value == "foot_patrol" and board["Plan-B-1"].district == "escaldes"
    assert {board[s].status.value for s in planned} == {"available"}
    at = {sign: p for sign, _, p in positions.latest(services.uow(), by=Actor.system("test"))}
    for sign, node in (("Plan-A-1", nodes[0]), ("Plan-A-2", nodes[0]), ("Plan-B-1", nodes[1])):
        assert haversine_m(at[sign].lat, at[sign].lon, graph.lat[node], graph.lon[node]) < 1.0


def test_the_demo_refuses_a_plan_naming_a_node_outside_the_graph(
    services: Services, andorra_roads: Roads, andorra_gazetteer: None, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"posts": [{"node": andorra_roads.graph.node_count}]}), encoding="utf-8")
    result = run_cli(services, "demo", "--no-serve", "--plan", str(path), extra_env=QUIET)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--plan: posts[0].node" in lines[0], lines
