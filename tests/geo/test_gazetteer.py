"""The gazetteer on real OSM extracts: a call-taker's abbreviated, misspelt address finds the building first,
a point beside a building gives its address back, and ru/kk spellings of one street meet on one key."""

from __future__ import annotations

import itertools
import math
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
import pytest

from kuzet.geo.gazetteer import Gazetteer, GazetteerError, normalise
from kuzet.geo.gazetteer_osm import build_gazetteer
from tests.reference import osm_extract

METRES_PER_DEGREE = 111_195.0
KIRCHBERG = "planet_10.068,48.135_10.071,48.137.osm"


@dataclass(frozen=True)
class Building:
    osm_id: int
    street: str
    number: str
    lat: float
    lon: float


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat2 - lat1) * METRES_PER_DEGREE
    dx = (lon2 - lon1) * METRES_PER_DEGREE * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


def with_typo(word: str) -> str:
    """The word with two different neighbouring letters swapped, as a hurried call-taker types it."""
    for i in range(2, len(word) - 1):
        if word[i] != word[i + 1] and word[i].isalpha() and word[i + 1].isalpha():
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    raise AssertionError(f"no typo fits in {word!r}")


@pytest.fixture(scope="module")
def andorra() -> Gazetteer:
    started = time.perf_counter()
    gazetteer = build_gazetteer(osm_extract("andorra.osm.pbf"))
    print(f"\nAndorra gazetteer built in {time.perf_counter() - started:.2f} s")
    return gazetteer


@pytest.fixture(scope="module")
def avinguda_building() -> Building:
    """A building outline on an «Avinguda …», found by reading the extract with osmium, apart from the
    gazetteer: the first by id whose street and number appear on no other object of the file."""
    seen: Counter[tuple[str, str]] = Counter()
    outlines: list[Building] = []
    processor = (
        osmium.FileProcessor(str(osm_extract("andorra.osm.pbf")))
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("addr:housenumber"))
    )
    for obj in processor:
        street, number = obj.tags.get("addr:street"), obj.tags.get("addr:housenumber")
        if not street or not number:
            continue
        seen[street, number] += 1
        if isinstance(obj, osmium.osm.Way) and "building" in obj.tags and street.startswith("Avinguda "):
            ring = [(node.lat, node.lon) for node in obj.nodes][
                :-1
            ]  # a closed outline repeats its first node
            lat, lon = (sum(values) / len(ring) for values in zip(*ring, strict=True))
            outlines.append(Building(obj.id, street, number, lat, lon))
    unique = sorted((b for b in outlines if seen[b.street, b.number] == 1), key=lambda b: b.osm_id)
    assert unique, "the Andorra extract should hold an addressed building on an avinguda"
    return unique[0]


def test_abbreviated_misspelt_address_ranks_the_building_first(
    andorra: Gazetteer, avinguda_building: Building
) -> None:
    building = avinguda_building
    rest = building.street.removeprefix("Avinguda ")
    longest = max(rest.split(), key=len)
    typed = f"Av. {rest.replace(longest, with_typo(longest))} {building.number}"
    assert typed.lower() != f"{building.street} {building.number}".lower()

    best = andorra.search(typed)[0]

    assert best.kind == "address"
    assert best.label.startswith(f"{building.street} {building.number}")
    assert metres(best.lat, best.lon, building.lat, building.lon) < 5
    print(f"\n{typed!r} → {best.label} ({best.score})")


def test_the_exact_address_is_not_offered_again_as_an_estimate(
    andorra: Gazetteer, avinguda_building: Building
) -> None:
    results = andorra.search(f"{avinguda_building.street} {avinguda_building.number}")

    assert results[0].kind == "address"
    assert not [r for r in results[1:] if r.label.startswith(avinguda_building.street)], results


def test_an_unknown_house_number_is_kept_and_placed_among_its_neighbours(andorra: Gazetteer) -> None:
    # From the gazetteer's own data: the street's even houses around a number it lacks.
    street = "Avinguda Meritxell"
    evens = sorted(
        (int(number), (lat, lon))
        for (name, number, town), (lat, lon) in zip(andorra.addresses, andorra.address_points, strict=True)
        if name == street and number.isdigit() and int(number) % 2 == 0 and town == "Andorra la Vella"
    )
    (low, low_at), (high, high_at) = next((a, b) for a, b in itertools.pairwise(evens) if b[0] - a[0] >= 4)
    wanted = low + 2

    best = andorra.search(f"Meritxell {wanted}")[0]

    assert best.kind == "interpolated"
    assert best.label.startswith(f"{street} {wanted}")
    # Between its neighbours (a little slack for the move onto the street line), nearer the lower one.
    span = metres(*low_at, *high_at)
    to_low, to_high = metres(best.lat, best.lon, *low_at), metres(best.lat, best.lon, *high_at)
    assert to_low < span and to_high < span + 60
    assert to_low < to_high
    print(f"\n{street} {wanted}: {to_low:.0f} m from {low}, {to_high:.0f} m from {high}")


def test_a_house_on_a_street_without_numbered_houses_keeps_its_number(
    andorra: Gazetteer, avinguda_building: Building
) -> None:
    numbered = {street for street, _, _ in andorra.addresses}
    street = next(name for name, _, _, kind in andorra.names if kind == "street" and name not in numbered)

    found = [c for c in andorra.search(f"{street} 7") if c.label.startswith(f"{street} 7")]

    assert found and found[0].kind == "street"


@pytest.mark.parametrize("typed", ["Meritxell / Prat de la Creu", "Prat de la Creu & Av. Meritxell"])
def test_two_streets_name_their_crossing(andorra: Gazetteer, typed: str) -> None:
    best = andorra.search(typed)[0]

    assert best.kind == "intersection"
    assert "Meritxell" in best.label and "Prat de la Creu" in best.label
    # The point lies on both streets' lines (their densified vertices).
    for name in ("Avinguda Meritxell", "Avinguda Prat de la Creu"):
        street = {i for i, (n, _, _, kind) in enumerate(andorra.names) if n == name and kind == "street"}
        own = andorra.vertices[np.isin(andorra.vertex_street, list(street))]
        nearest = min(metres(best.lat, best.lon, lat, lon) for lat, lon in own)
        assert nearest < 30, (name, nearest)


def test_a_catalan_street_abbreviation_is_not_a_crossing(andorra: Gazetteer) -> None:
    best = andorra.search("C/ Prat de la Creu")[0]

    assert best.kind == "street"
    assert best.label.startswith("Avinguda Prat de la Creu")


def test_a_point_beside_the_building_gives_its_address(
    andorra: Gazetteer, avinguda_building: Building
) -> None:
    four_metres_north = avinguda_building.lat + 4 / METRES_PER_DEGREE

    found = andorra.reverse(four_metres_north, avinguda_building.lon)

    assert found is not None
    assert found.kind == "address"
    assert found.label.startswith(f"{avinguda_building.street} {avinguda_building.number}")
    assert found.distance_m is not None and 2.5 < found.distance_m < 5.5


def test_a_point_far_from_addresses_gives_the_nearest_street(andorra: Gazetteer) -> None:
    # From the gazetteer's own data: a street vertex about a kilometre from every address and over 100 m
    # from any other street, so that the nearest street to a point beside it is not in doubt.
    def far_from_the_rest(i: int) -> bool:
        apart = np.abs(andorra.address_points - andorra.vertices[i]).sum(axis=1).min() > 0.01
        others = andorra.vertices[andorra.vertex_street != andorra.vertex_street[i]]
        return bool(apart and np.abs(others - andorra.vertices[i]).max(axis=1).min() > 0.0013)

    lonely = next(i for i in range(0, len(andorra.vertices), 97) if far_from_the_rest(i))
    lat, lon = andorra.vertices[lonely]
    street_name = andorra.names[int(andorra.vertex_street[lonely])][0]

    found = andorra.reverse(float(lat) + 10 / METRES_PER_DEGREE, float(lon))

    assert found is not None
    assert found.kind == "street"
    assert found.label.startswith(street_name)
    assert found.distance_m is not None and found.distance_m <= 10.5


def test_a_point_in_the_sea_or_outside_the_map_gives_nothing(andorra: Gazetteer) -> None:
    assert andorra.reverse(41.9, 3.6) is None  # the Mediterranean off the Costa Brava
    assert andorra.reverse(43.6, 1.44) is None  # Toulouse, outside the extract
    assert andorra.reverse(42.5078, 1.5211, max_distance_m=0.01) is None


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ул. Абая 10", "Абай көшесі 10"),
        ("улица Абая, д. 10", "Абай көш. 10"),
        ("пр-т Назарбаева", "Назарбаев даңғылы"),
        ("проспект Назарбаева 223", "Назарбаев даңғ. 223"),
        ("пр. Кабанбай батыра", "Қабанбай батыр даңғылы"),
        ("ул. Жамбыла", "Жамбыл көшесі"),
        ("мкр Самал-2, 5", "Самал-2 шағын ауданы 5"),
        ("микрорайон Самал 2", "Самал-2 шағын аудан"),
        ("б-р Бухар жырау", "Бухар жырау бульвары"),
        ("пер. Гоголя", "Гоголь переулок"),
        ("Ёлочная ул.", "улица Елочная"),
        ("УЛ. АБАЯ", "абай"),
        ("Av. Meritxell 92", "Avinguda Meritxell, 92"),
        ("C. Major", "Carrer Major"),
        ("Pl. del Poble", "Plaça del Poble"),
        ("Ctra. d'Arinsal", "Carretera d’Arinsal"),
        ("Main St", "main street"),
        ("Abbey Rd", "Abbey Road"),
        ("Goethestr. 13", "Goethestraße 13"),
    ],
)
def test_equivalent_spellings_have_one_key(one: str, other: str) -> None:
    assert normalise(one) == normalise(other)
    assert normalise(one)


@pytest.mark.parametrize(("one", "other"), [("ул. Абая", "ул. Сатпаева"), ("Абай 10", "Абай 12")])
def test_different_streets_or_numbers_keep_different_keys(one: str, other: str) -> None:
    assert normalise(one) != normalise(other)


KAZAKH_STREET = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="kuzet tests">
  <node id="1" version="1" lat="43.2400" lon="76.9000"/>
  <node id="2" version="1" lat="43.2400" lon="76.9040"/>
  <node id="3" version="1" lat="43.2400" lon="76.9080"/>
  <node id="11" version="1" lat="43.2402" lon="76.9010"/>
  <node id="12" version="1" lat="43.2402" lon="76.9013"/>
  <node id="13" version="1" lat="43.2405" lon="76.9013"/>
  <node id="14" version="1" lat="43.2405" lon="76.9010"/>
  <node id="20" version="1" lat="43.2450" lon="76.9050">
    <tag k="place" v="city"/><tag k="name" v="Алматы"/><tag k="name:en" v="Almaty"/>
  </node>
  <way id="100" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="tertiary"/><tag k="name" v="Абай даңғылы"/><tag k="name:ru" v="проспект Абая"/>
    <tag k="name:en" v="Abay Avenue"/>
  </way>
  <way id="200" version="1">
    <nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/><nd ref="11"/>
    <tag k="building" v="yes"/><tag k="addr:street" v="Абай даңғылы"/><tag k="addr:housenumber" v="10А"/>
  </way>
</osm>
"""


@pytest.mark.parametrize(
    "typed", ["пр-т Абая 10а", "проспект Абая, д. 10А", "Абай даңғ. 10 А", "Abay Ave 10a"]
)
def test_a_kazakh_tagged_address_is_found_in_russian_and_english(tmp_path: Path, typed: str) -> None:
    extract = tmp_path / "almaty.osm"
    extract.write_text(KAZAKH_STREET, encoding="utf-8")

    best = build_gazetteer(extract).search(typed)[0]

    assert (best.kind, best.label) == ("address", "Абай даңғылы 10А, Алматы")


def test_a_german_abbreviation_finds_the_house(tmp_path: Path) -> None:
    gazetteer = build_gazetteer(osm_extract(KIRCHBERG))
    street, number, _ = next(a for a in gazetteer.addresses if a[0].endswith("straße"))

    best = gazetteer.search(f"{street.removesuffix('straße')}str. {number}")[0]

    assert best.kind == "address"
    assert best.label.startswith(f"{street} {number}")


def test_a_bounding_box_keeps_only_what_lies_inside() -> None:
    whole = build_gazetteer(osm_extract(KIRCHBERG))
    west_half = (10.0, 48.0, 10.0695, 49.0)

    part = build_gazetteer(osm_extract(KIRCHBERG), bbox=west_half)

    assert 0 < len(part.addresses) < len(whole.addresses)
    assert (part.address_points[:, 1] <= west_half[2]).all()
    assert (part.vertices[:, 1] <= west_half[2]).all()


def test_save_and_load_give_the_same_answers(
    andorra: Gazetteer, avinguda_building: Building, tmp_path: Path
) -> None:
    path = tmp_path / "gazetteer.npz"
    andorra.save(path)
    started = time.perf_counter()
    loaded = Gazetteer.load(path)
    took = time.perf_counter() - started
    print(f"\nsaved {path.stat().st_size / 1024:.0f} KiB, loaded in {took * 1000:.0f} ms")

    for typed in (
        "Av. Meritxell 92",
        "carrer major",
        "Ordino",
        f"{avinguda_building.street} {avinguda_building.number}",
    ):
        assert loaded.search(typed) == andorra.search(typed)
    assert loaded.reverse(avinguda_building.lat, avinguda_building.lon) == andorra.reverse(
        avinguda_building.lat, avinguda_building.lon
    )
    assert loaded.addresses == andorra.addresses
    assert took < 2.0


def test_a_missing_or_foreign_file_is_refused(tmp_path: Path) -> None:
    not_osm = tmp_path / "notes.txt"
    not_osm.write_text("not a map", encoding="utf-8")
    with pytest.raises(GazetteerError):
        build_gazetteer(tmp_path / "absent.osm.pbf")
    with pytest.raises(GazetteerError):
        build_gazetteer(not_osm)
    with pytest.raises(GazetteerError):
        Gazetteer.load(not_osm)
    with pytest.raises(GazetteerError):
        Gazetteer.load(tmp_path / "absent.npz")


def test_search_is_fast_and_finds_abbreviated_addresses(andorra: Gazetteer) -> None:
    short = {"Avinguda": "Av.", "Carrer": "C.", "Plaça": "Pl.", "Carretera": "Ctra."}
    labels = Counter(f"{street} {number}" for street, number, _ in andorra.addresses)
    queries = []
    for street, number, _ in andorra.addresses:
        first, _, rest = street.partition(" ")
        if first in short and labels[f"{street} {number}"] == 1:
            queries.append((f"{short[first]} {rest} {number}", f"{street} {number}"))
    assert len(queries) >= 50

    took, hits = [], 0
    for typed, wanted in queries:
        started = time.perf_counter()
        results = andorra.search(typed)
        took.append((time.perf_counter() - started) * 1000)
        hits += bool(results) and results[0].label.startswith(wanted)

    p95 = statistics.quantiles(took, n=20)[-1]
    print(
        f"\n{len(queries)} queries: mean {statistics.mean(took):.2f} ms, p95 {p95:.2f} ms,"
        f" max {max(took):.2f} ms; first hit right {hits}/{len(queries)}"
    )
    assert p95 < 20
    assert hits / len(queries) >= 0.95
