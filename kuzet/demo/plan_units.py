"""`kuzet demo --plan FILE`: the demo's units come from a plan file (`kuzet plan` writes one) instead of the
demo's roster: one unit per planned unit, in the post's district, on shift, reported at its post's road
node. The seven first demo units (`kuzet.demo.seed.DEMO_UNITS`) stay, as the demo's stories use them; units
already in the database are left as they are, so load a plan into a fresh demo database.
"""

from __future__ import annotations

from pathlib import Path

from kuzet.container import Services
from kuzet.demo.seed import DEMO_ACTOR
from kuzet.demo.world import crew_of
from kuzet.planning.errors import PlanningInputError
from kuzet.planning.scenario import Scenario, read_plan
from kuzet.units import service as units
from kuzet.units.store import UnitRepository

LatLon = tuple[float, float]


def read_demo_plan(services: Services, path: Path) -> Scenario:
    """The plan's units, checked against the demo's road graph (PlanningInputError names the field)."""
    roads = services.geo.roads
    if roads is None:
        raise PlanningInputError("plan", "the demo has no road map to place the plan's posts on")
    return read_plan(path, node_count=roads.graph.node_count)


def seed_plan_units(services: Services, scenario: Scenario) -> dict[str, LatLon]:
    """Create the plan's units (those missing) on shift; their posts as points, by call sign."""
    roads = services.geo.roads
    if roads is None:
        raise PlanningInputError("plan", "the demo has no road map to place the plan's posts on")
    graph = roads.graph
    at = services.clock.now()
    posts: dict[str, LatLon] = {}
    for index, spec in enumerate(scenario.units):
        posts[spec.call_sign] = (float(graph.lat[spec.post_node]), float(graph.lon[spec.post_node]))
        with services.uow() as uow:
            if uow.repo(UnitRepository).by_call_sign(spec.call_sign) is not None:
                continue
        unit = units.create(
            services.uow(),
            call_sign=spec.call_sign,
            unit_type=spec.type,
            district=spec.district,
            crew=crew_of(index, spec.type),
            by=DEMO_ACTOR,
            at=at,
        )
        units.shift(services.uow(), unit_id=unit.id, on_duty=True, crew=None, by=DEMO_ACTOR, at=at)
    return posts
