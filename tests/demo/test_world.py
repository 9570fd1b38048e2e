"""The demo world: districts over the whole map, forty units on shift at posts inside their districts."""

from __future__ import annotations

from collections import Counter

import shapely  # type: ignore[import-untyped]

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.demo.world import PARISHES, ROSTER, World, seed_demo_world
from kuzet.geo import service as geo_service
from kuzet.geo.runtime import Roads
from kuzet.units import service as units
from kuzet.units.positions import service as positions

LOOKER = Actor.system("test")


def test_the_districts_cover_the_whole_road_map(
    world: World, services: Services, andorra_roads: Roads
) -> None:
    districts = services.geo.districts
    assert districts is not None and world.districts_loaded
    assert set(districts.codes) == {p.code for p in PARISHES} and "central" in districts.codes
    graph = andorra_roads.graph
    located = districts.locate_many(graph.lat, graph.lon)
    assert None not in located
    assert min(Counter(located).values()) > 500  # every district has roads of its own


def test_forty_units_are_on_shift_with_crews_and_a_position_at_their_post(
    world: World, services: Services
) -> None:
    board = units.roster(services.uow(), by=LOOKER)
    assert len(board) == 40 and all(u.status.value == "available" for u in board)
    assert {u.type.value for u in board} == {
        "patrol_car", "rapid_response", "traffic_police", "district_inspector", "foot_patrol"
    }  # fmt: skip
    assert all(1 <= len(u.crew) <= 3 for u in board)
    placed = {sign: p for sign, _, p in positions.latest(services.uow(), by=LOOKER)}
    assert set(placed) == {u.call_sign for u in board}
    assert all(p.road_distance_m is not None for p in placed.values())
    assert all(placed[sign].road_distance_m < 5 for sign, _, _ in ROSTER)  # type: ignore[operator]


def test_every_new_unit_stands_in_its_own_district(world: World, services: Services) -> None:
    districts = services.geo.districts
    assert districts is not None
    home = {u.call_sign: u.district for u in units.roster(services.uow(), by=LOOKER)}
    for call_sign, _, district in ROSTER:
        assert home[call_sign] == district
        assert districts.locate(*world.posts[call_sign]) == district
    per_district = Counter(home.values())
    assert set(per_district) == set(districts.codes) and min(per_district.values()) >= 5


def test_seeding_again_duplicates_nothing(world: World, services: Services) -> None:
    before = geo_service.district_map(services.uow())
    again = seed_demo_world(services)
    assert (again.districts_loaded, again.units_created, again.placed) == (False, 0, 0)
    assert again.posts == world.posts
    assert geo_service.district_map(services.uow()) == before
    assert len(units.roster(services.uow(), by=LOOKER)) == 40


def test_the_demo_districts_follow_the_parish_boundaries_and_replace_its_old_straight_lines(
    world: World, services: Services
) -> None:
    from kuzet.demo.world import seed_demo_districts, town_cells
    from kuzet.geo.districts import Districts

    districts = services.geo.districts
    assert districts is not None
    old = Districts.from_geojson(town_cells(services.settings.region_bbox))
    # The parishes' outlines have scores of corners, the old town cells a handful.
    assert all(len(shapely.get_coordinates(d.geometry)) > 50 for d in districts)
    assert all(len(shapely.get_coordinates(d.geometry)) < 30 for d in old)
    # A demo database still holding the old map gets the outlines; any other map is left alone.
    geo_service.replace_districts(services.uow(), old.to_geojson(), by=LOOKER, at=services.clock.now())
    services.geo.reload()
    assert seed_demo_districts(services)
    services.geo.reload()
    renewed = services.geo.districts
    assert renewed is not None and all(len(shapely.get_coordinates(d.geometry)) > 50 for d in renewed)
    assert not seed_demo_districts(services)
