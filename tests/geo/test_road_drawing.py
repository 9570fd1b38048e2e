"""The road map as the console draws it: every road segment of our own graph, once, at the right place."""

from __future__ import annotations

import gzip
import itertools
import json
from collections import Counter

import httpx
import numpy as np

from kuzet.geo.drawing import SCALE, draw, tier_of
from kuzet.geo.runtime import Roads
from kuzet.geo.speeds import RoadClass
from tests.ops import Centre


def decode(line: list[int]) -> list[tuple[int, int]]:
    points = [(line[0], line[1])]
    for i in range(2, len(line), 2):
        points.append((points[-1][0] + line[i], points[-1][1] + line[i + 1]))
    return points


def test_every_segment_of_the_real_graph_is_drawn_once(andorra_roads: Roads) -> None:
    graph = andorra_roads.graph
    drawing = draw(graph)
    lat = np.round(graph.lat * SCALE).astype(int).tolist()
    lon = np.round(graph.lon * SCALE).astype(int).tolist()
    pairs = {(min(int(t), int(h)), max(int(t), int(h))) for t, h in zip(graph.tail, graph.head, strict=True)}
    # Compared by place: a few nodes of a real extract lie within a metre of each other.
    expected = Counter(tuple(sorted([(lat[u], lon[u]), (lat[v], lon[v])])) for u, v in pairs)
    drawn = Counter(
        tuple(sorted([p, q])) for line in drawing.lines for p, q in itertools.pairwise(decode(line))
    )
    assert drawn == expected
    # Lines are chained: far fewer lines than segments, and each line keeps one drawing tier.
    assert len(drawing.lines) < len(pairs) / 5
    assert set(drawing.tiers) <= {0, 1, 2} and len(drawing.tiers) == len(drawing.lines)


def test_drawing_tiers_follow_the_road_class() -> None:
    assert tier_of(RoadClass.MOTORWAY) == tier_of(RoadClass.SECONDARY) == 0
    assert tier_of(RoadClass.TERTIARY) == tier_of(RoadClass.RESIDENTIAL) == 1
    assert tier_of(RoadClass.SERVICE) == tier_of(RoadClass.LIVING_STREET) == 2


def test_the_console_gets_the_map_compressed_with_its_attribution(
    centre: Centre, andorra_roads: Roads
) -> None:
    response = centre.dispatcher.http.get(
        "/api/v1/geo/roads/geometry", headers={**centre.dispatcher.headers, "Accept-Encoding": "gzip"}
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < 150_000  # what goes over the wire for the whole map
    body = response.json()  # httpx inflates it
    assert body["attribution"] == "© OpenStreetMap contributors, ODbL"
    assert body["scale"] == SCALE and body["lines"] == draw(andorra_roads.graph).lines
    plain = httpx.get(
        centre.dispatcher.http.base_url.join("/api/v1/geo/roads/geometry"),
        headers={**centre.dispatcher.headers, "Accept-Encoding": "identity"},
    )
    assert "content-encoding" not in plain.headers
    assert json.loads(plain.content) == body
    assert len(gzip.compress(plain.content)) < len(plain.content) / 2
