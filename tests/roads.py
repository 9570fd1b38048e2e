"""Fixtures: the real Andorra extract (the demo region) imported once per run as the server's road map."""

from __future__ import annotations

import pytest

from kuzet.container import Services
from kuzet.geo.gazetteer_osm import build_gazetteer
from kuzet.geo.osm import import_osm
from kuzet.geo.runtime import Roads
from tests.reference import osm_extract


@pytest.fixture(scope="session")
def andorra_roads(session_services: Services) -> Roads:
    """The road graph of Andorra, saved where the server looks for it, and loaded."""
    path = session_services.settings.roads_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        import_osm(osm_extract("andorra.osm.pbf")).graph.save(path)
        session_services.geo.reload()
    roads = session_services.geo.roads
    assert roads is not None
    return roads


@pytest.fixture(scope="session")
def andorra_gazetteer(session_services: Services) -> None:
    path = session_services.settings.gazetteer_file
    if not path.exists():
        build_gazetteer(osm_extract("andorra.osm.pbf")).save(path)
        session_services.geo.reload()
    assert session_services.geo.gazetteer is not None
