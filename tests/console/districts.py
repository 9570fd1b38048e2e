"""A district map for the browser tests: the demo region cut in two, `central` and `north`, named in ru, kk
and en (the console shows the names, never the codes)."""

from __future__ import annotations

from kuzet.geo.districts import grid_districts
from tests.ops import Centre

REGION = (1.40, 42.42, 1.80, 42.66)  # the demo region, Andorra
NAMES = {
    "central": {"name_ru": "Центральный район", "name_kk": "Орталық аудан", "name_en": "Central district"},
    "north": {"name_ru": "Северный район", "name_kk": "Солтүстік аудан", "name_en": "Northern district"},
}


def put_named_districts(centre: Centre) -> None:
    districts = grid_districts(REGION, 1, 2, ["Central", "North"])
    for feature in districts["features"]:
        feature["properties"].update(NAMES[feature["properties"]["code"]])
    centre.admin.ok(centre.admin.put("/api/v1/geo/districts", districts))
