"""`kuzet cctv plan` on the demo region: a plan of new cameras over the simulated past year, its table, its
GeoJSON and its map; and bad input refused with a clear message before anything is solved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kuzet.container import Services
from tests.cctv.placement_fixtures import HISTORY_INCIDENTS, demo_year, whole_history  # noqa: F401 (a fixture)
from tests.conftest import run_cli

INSIDE = (42.5075, 1.5218)  # Andorra la Vella, in the demo region
OUTSIDE = (43.2389, 76.8897)  # Almaty: not the demo region


@pytest.mark.usefixtures("demo_year")
def test_a_plan_over_the_demo_year_beats_or_equals_greedy_and_writes_its_files(
    services: Services, tmp_path: Path
) -> None:
    out = tmp_path / "plan"
    result = run_cli(
        services,
        "cctv",
        "plan",
        "--new",
        "6",
        "--period",
        whole_history(services),
        "--time-limit",
        "30",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "Incidents seen by a camera" in result.stdout and "after: greedy" in result.stdout
    assert "proven optimal" in result.stdout
    collection = json.loads((out / "placement.geojson").read_text(encoding="utf-8"))
    plan = collection["plan"]
    assert plan["incidents"] + plan["incidents_without_point"] == HISTORY_INCIDENTS
    assert plan["sites"] == "intersections" and plan["candidate_options"] == 4 * plan["candidate_sites"]
    sites = [f for f in collection["features"] if f["properties"]["kind"] == "site"]
    sectors = [f for f in collection["features"] if f["properties"]["kind"] == "sector"]
    assert 1 <= len(sites) <= 6 and len(sectors) == len(sites)
    assert plan["after"]["weight"] >= plan["greedy_after"]["weight"] >= plan["before"]["weight"]
    # Each camera newly sees at least one incident, and together they see what the plan claims.
    assert all(f["properties"]["new_incidents"] >= 1 for f in sites)
    gained = plan["after"]["incidents"] - plan["before"]["incidents"]
    assert max(f["properties"]["new_incidents"] for f in sites) <= gained
    assert gained <= sum(f["properties"]["new_incidents"] for f in sites)
    for feature in sites:
        lon, lat = feature["geometry"]["coordinates"]
        assert 42.42 <= lat <= 42.66 and 1.40 <= lon <= 1.80
    assert (out / "placement.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.usefixtures("demo_year")
def test_a_plan_from_a_poles_file_respects_the_budget(services: Services, tmp_path: Path) -> None:
    poles = tmp_path / "poles.csv"
    rows = ["lat,lon,cost,heading_deg,name"]
    rows += [
        f"{42.5075 + i * 0.0004:.6f},{1.5218 + i * 0.0003:.6f},{1 + i % 3},{(i * 45) % 360},pole {i}"
        for i in range(12)
    ]
    poles.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "poles-plan"
    result = run_cli(
        services,
        "cctv",
        "plan",
        "--budget",
        "4",
        "--sites",
        str(poles),
        "--period",
        whole_history(services),
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads((out / "placement.geojson").read_text(encoding="utf-8"))["plan"]
    assert plan["sites"] == "poles" and plan["candidate_sites"] == 12 and plan["candidate_options"] == 12
    assert plan["cost"] <= 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--new", "0"), "--new: the number of new cameras must be positive, not 0"),
        (("--new", "-3"), "--new: the number of new cameras must be positive"),
        ((), "--new: give the number of new cameras, a budget, or both"),
        (("--new", "5", "--budget", "0"), "--budget: the budget must be positive"),
        (("--new", "5", "--period", "2025-13"), "--period: period '2025-13' is not a year"),
        (("--new", "5", "--views", "4y90"), "--views: '4y90' is neither NxFOV"),
        (("--new", "5", "--origin", "elsewhere"), "--origin: 'elsewhere' is not live, imported or all"),
    ],
)
def test_bad_arguments_are_refused_by_name(services: Services, args: tuple[str, ...], message: str) -> None:
    result = run_cli(services, "cctv", "plan", *args)
    assert result.returncode == 2
    assert message in " ".join(result.stderr.split())


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [f"{INSIDE[0]},{INSIDE[1]},1", "not-a-number,1.52,1"],
            "--sites: line 3: lat 'not-a-number' is not a number",
        ),
        (
            [f"{INSIDE[0]},{INSIDE[1]},1", f"{OUTSIDE[0]},{OUTSIDE[1]},1"],
            "line 3: the pole at 43.2389, 76.8897 is outside the region",
        ),
        ([f"{INSIDE[0]},{INSIDE[1]},-2"], "line 2: cost -2 is outside 0..inf"),
        ([f"{INSIDE[0]},{INSIDE[1]},1,7"], "line 2: more values than columns"),
    ],
)
def test_a_bad_poles_file_is_refused_naming_its_line(
    services: Services, tmp_path: Path, rows: list[str], message: str
) -> None:
    poles = tmp_path / "poles.csv"
    poles.write_text("\n".join(["lat,lon,cost", *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "never"
    result = run_cli(services, "cctv", "plan", "--new", "3", "--sites", str(poles), "--out", str(out))
    assert result.returncode == 2
    assert message in " ".join(result.stderr.split())
    assert not out.exists()


def test_an_unreadable_poles_file_is_refused(services: Services, tmp_path: Path) -> None:
    result = run_cli(services, "cctv", "plan", "--new", "3", "--sites", str(tmp_path / "missing.csv"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr and "missing.csv" in result.stderr


@pytest.mark.usefixtures("demo_year")
def test_a_period_without_incidents_to_place_is_refused(services: Services) -> None:
    result = run_cli(services, "cctv", "plan", "--new", "3", "--period", "2001")
    assert result.returncode == 2
    assert "--period: no live incident received in 2001-01-01..2001-12-31 has a point" in result.stderr
    imported = run_cli(services, "cctv", "plan", "--new", "3", "--origin", "imported")
    assert imported.returncode == 2
    assert "no imported incident received in" in imported.stderr
