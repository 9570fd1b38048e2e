"""`kuzet import-osm` and `kuzet import-districts`, run as an operator would run them."""

from __future__ import annotations

import json
from pathlib import Path

from kuzet.cctv.buildings_osm import Footprints
from kuzet.container import Services
from kuzet.geo.districts import grid_districts
from kuzet.geo.gazetteer import Gazetteer
from kuzet.geo.graph import RoadGraph
from tests.conftest import run_cli
from tests.reference import osm_extract


def test_import_osm_writes_the_graph_and_gazetteer_and_reports_what_it_dropped(
    services: Services, tmp_path: Path
) -> None:
    roads, gazetteer = tmp_path / "roads.npz", tmp_path / "gazetteer.npz"
    buildings = tmp_path / "buildings.npz"
    done = run_cli(
        services,
        "import-osm",
        str(osm_extract("liechtenstein-latest.osm.pbf")),
        "--out",
        str(roads),
        "--gazetteer",
        str(gazetteer),
        "--buildings",
        str(buildings),
    )
    assert done.returncode == 0, done.stderr
    assert len(Footprints.load(buildings).ids) > 1000 and "buildings" in done.stdout
    graph = RoadGraph.load(roads)
    assert f"{graph.node_count:,}" in done.stdout and "components dropped" in done.stdout
    assert "OpenStreetMap contributors" in done.stdout
    assert Gazetteer.load(gazetteer).addresses


def test_import_osm_keeps_only_the_box_asked_for(services: Services, tmp_path: Path) -> None:
    whole, part = tmp_path / "whole.npz", tmp_path / "part.npz"
    source = str(osm_extract("liechtenstein-latest.osm.pbf"))
    for out, extra in ((whole, []), (part, ["--bbox", "9.50,47.12,9.56,47.18"])):
        done = run_cli(
            services,
            "import-osm",
            source,
            "--out",
            str(out),
            "--gazetteer",
            str(tmp_path / "g.npz"),
            "--buildings",
            str(tmp_path / "b.npz"),
            *extra,
        )
        assert done.returncode == 0, done.stderr
    inside = RoadGraph.load(part)
    assert 0 < inside.node_count < RoadGraph.load(whole).node_count
    assert inside.lon.min() >= 9.50 and inside.lat.max() <= 47.18


def test_a_broken_extract_is_a_clear_error_and_writes_nothing(services: Services, tmp_path: Path) -> None:
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"\x00\x00\x00\x0dnot a real osm blob at all")
    roads = tmp_path / "roads.npz"
    done = run_cli(
        services, "import-osm", str(broken), "--out", str(roads), "--gazetteer", str(tmp_path / "g.npz")
    )
    assert done.returncode == 1
    assert "error" in done.stderr and "broken.osm.pbf" in done.stderr
    assert "Traceback" not in done.stderr
    assert not roads.exists()
    bad_box = run_cli(services, "import-osm", str(broken), "--bbox", "1,2,3")
    assert bad_box.returncode != 0 and "four numbers" in bad_box.stderr


def test_import_districts_replaces_the_district_map(services: Services, tmp_path: Path) -> None:
    geojson = tmp_path / "districts.geojson"
    geojson.write_text(json.dumps(grid_districts((1.40, 42.42, 1.80, 42.66), 1, 2, ["West", "East"])))
    done = run_cli(services, "import-districts", str(geojson))
    assert done.returncode == 0, done.stderr
    assert "2 districts: east, west" in done.stdout
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature"}]}))
    refused = run_cli(services, "import-districts", str(geojson))
    assert refused.returncode == 1 and "features" in refused.stderr
