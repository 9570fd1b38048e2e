"""Recommendations place each unit by the road snap stored with its last fix, not by snapping it again; the
snap is reused only on the road graph it was made on (same fingerprint), and the ranking is the same as
with fresh snapping, on the real Andorra map."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from kuzet.container import Services
from kuzet.geo.runtime import Roads, graph_identity
from kuzet.units.positions.store import unit_positions, unit_tracks
from kuzet.units.store import units
from tests.dispatch.test_recommendations import SPOTS, recommended, report
from tests.ops import Centre

# More road points around Andorra la Vella and Escaldes, so that the top five is a real choice.
MORE = {
    "Сокол-1": (42.5063, 1.5218),
    "Сокол-2": (42.5089, 1.5315),
    "Сокол-3": (42.5120, 1.5410),
    "Сокол-4": (42.5005, 1.5170),
    "Сокол-5": (42.4700, 1.4920),
    "Сокол-6": (42.5290, 1.5660),
}


def ranking(found: dict[str, Any]) -> list[tuple[str, float, float, float]]:
    return [(u["call_sign"], u["eta_s"], u["road_m"], u["straight_m"]) for u in found["units"]]


def every_unit_reporting(centre: Centre) -> dict[str, tuple[float, float]]:
    """Every unit of the test's roster on shift, each with a fix at its spot; returns the spots."""
    spots = {**SPOTS, **MORE}
    for sign in spots:
        centre.supervisor.unit(sign)
    report(centre.dispatcher, spots)
    return spots


def rewrite(services: Services, **values: Any) -> None:
    with services.engine.begin() as connection:
        connection.execute(update(unit_positions).values(**values))


def test_the_stored_snap_ranks_as_fresh_snapping_does_and_only_on_its_own_graph(
    centre: Centre, services: Services, andorra_roads: Roads
) -> None:
    spots = every_unit_reporting(centre)
    with services.engine.connect() as connection:
        stored = connection.execute(select(unit_positions.c.road_graph, unit_positions.c.road_edge)).all()
        tracked = connection.execute(select(unit_tracks.c.road_graph)).scalars().all()
    assert len(stored) == len(spots) and all(e is not None for _, e in stored)
    assert {g for g, _ in stored} == set(tracked) == {andorra_roads.identity}
    assert andorra_roads.identity == graph_identity(andorra_roads.graph)
    incident = centre.call_taker.call()["incident"]
    from_stored = ranking(recommended(centre.dispatcher, incident["id"], k=5))
    assert len(from_stored) == 5

    # Positions stored without a snap (before the fingerprint existed): snapped afresh, the same ranking.
    with services.engine.begin() as connection:
        kept = connection.execute(select(unit_positions)).mappings().all()
    rewrite(services, road_graph=None)
    from_fresh = ranking(recommended(centre.dispatcher, incident["id"], k=5))
    assert from_fresh == from_stored

    # A snap from another graph (the map re-imported, edge ids changed) is never used: here its edge is
    # nonsense, and the answer is still the fresh one.
    rewrite(services, road_graph="0123456789abcdef", road_edge=0, road_fraction=0.5)
    assert ranking(recommended(centre.dispatcher, incident["id"], k=5)) == from_fresh

    # The same nonsense under the loaded graph's fingerprint is taken as stored: the stored snap is what is
    # read (so the test above could fail), and every unit now stands on edge 0.
    rewrite(services, road_graph=andorra_roads.identity)
    moved = ranking(recommended(centre.dispatcher, incident["id"], k=5))
    assert moved != from_stored
    assert len({(eta, road) for _, eta, road, _ in moved}) == 1

    # Back to the stored snaps: the first ranking again.
    with services.engine.begin() as connection:
        for row in kept:
            connection.execute(
                update(unit_positions)
                .where(unit_positions.c.unit_id == row["unit_id"])
                .values(
                    road_graph=row["road_graph"],
                    road_edge=row["road_edge"],
                    road_fraction=row["road_fraction"],
                )
            )
    assert ranking(recommended(centre.dispatcher, incident["id"], k=5)) == from_stored


def test_stored_and_fresh_snaps_mix_in_one_ranking_and_far_fixes_are_off_the_road(
    centre: Centre, services: Services, andorra_roads: Roads
) -> None:
    spots = every_unit_reporting(centre)
    incident = centre.call_taker.call()["incident"]
    every = len(spots)
    stored = recommended(centre.dispatcher, incident["id"], k=every)
    assert len(stored["units"]) == every and stored["skipped"]["off_road"] == 0

    # Every other unit's fix as if stored before the fingerprint existed: those are snapped afresh, in their
    # place in the roster, and the answer is the same.
    p = unit_positions.c
    with services.engine.connect() as connection:
        ids = list(connection.execute(select(p.unit_id).order_by(p.unit_id)).scalars())
    afresh, kept = ids[::2], ids[1::2]
    with services.engine.begin() as connection:
        connection.execute(update(unit_positions).where(p.unit_id.in_(afresh)).values(road_graph=None))
    mixed = recommended(centre.dispatcher, incident["id"], k=every)
    assert ranking(mixed) == ranking(stored) and mixed["eligible"] == every

    # A stored snap farther from the road than the limit, and a fix to snap afresh that lies far from every
    # road (outside the map): both are off the road, and the others keep their order.
    with services.engine.begin() as connection:
        connection.execute(update(unit_positions).where(p.unit_id == kept[0]).values(road_distance_m=5000.0))
        connection.execute(update(unit_positions).where(p.unit_id == afresh[1]).values(lat=42.30, lon=1.30))
    found = recommended(centre.dispatcher, incident["id"], k=every)
    assert found["skipped"]["off_road"] == 2 and found["eligible"] == every - 2
    gone = signs_of(services, [kept[0], afresh[1]])
    assert ranking(found) == [u for u in ranking(stored) if u[0] not in gone]


def signs_of(services: Services, unit_ids: list[int]) -> set[str]:
    with services.engine.connect() as connection:
        return set(connection.execute(select(units.c.call_sign).where(units.c.id.in_(unit_ids))).scalars())
