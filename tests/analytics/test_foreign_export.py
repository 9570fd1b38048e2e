"""Acceptance: a foreign CAD export from a centre in another zone (America/Chicago), whose weeks start on
Sunday, with priorities 1–10, an agency column and free-text call types, over a period that holds the end of
daylight-saving time. A region-wide analyst (no second factor) imports it and reads it through the API; every
figure equals an independent recomputation of the same CSV with the csv module, zoneinfo and numpy."""

from __future__ import annotations

import csv
import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pytest

from kuzet.analytics.service import Analytics
from kuzet.container import Services
from kuzet.core.auth.domain import Role
from tests.conftest import PASSWORD, MakeUser, bearer, run_cli
from tests.ops import Centre

CHICAGO = ZoneInfo("America/Chicago")
LOCAL = "%m/%d/%Y %H:%M:%S"
HEADER = ["Incident Number", "Agency", "Priority", "Problem", "Call Received", "Dispatched", "On Scene"]
AGENCIES = ("CPD", "CFD-EMS", "Sheriff")
PROBLEMS = ("DISTURBANCE", "SUSPICIOUS PERSON", "MVA W/ INJURIES", "ALARM - BURGLAR", "Welfare check")
FIRST_DAY = date(2025, 10, 26)  # a Sunday; clocks fall back on Sunday 2 November at 02:00
DAYS = 14
MAPPING = """
name = "Chicago-area CAD export"
[time]
zone = "America/Chicago"
week_start = "sunday"
formats = ["%m/%d/%Y %H:%M:%S", "iso8601"]
[fields]
number = "Incident Number"
category = "Problem"
priority = "Priority"
received_at = "Call Received"
first_dispatched_at = "Dispatched"
first_on_scene_at = "On Scene"
[dimensions]
agency = "Agency"
[values.priority]
"1" = 1
"2" = 1
"3" = 2
"4" = 2
"5" = 3
"6" = 3
"7" = 3
"""


def write_export(path: Path, rows: int, seed: int = 48, prefix: str = "CH25") -> None:
    """Local wall-clock times as the source writes them; a few arrivals in ISO 8601 with their offset, one
    of them across the fall-back hour (50 local minutes, 110 real ones)."""
    rng = random.Random(seed)
    start = datetime.combine(FIRST_DAY, datetime.min.time(), CHICAGO)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            wall = start + timedelta(seconds=rng.randint(0, DAYS * 86400 - 1))  # wall-clock arithmetic
            received = wall.replace(fold=0)
            dispatched = received + timedelta(seconds=rng.randint(10, 400))
            on_scene = dispatched + timedelta(seconds=rng.randint(60, 1500))
            arrived = (
                on_scene.astimezone(CHICAGO).isoformat()
                if rng.random() < 0.1
                else on_scene.astimezone(CHICAGO).strftime(LOCAL)
            )
            writer.writerow(
                [
                    f"{prefix}-{i:06d}",
                    rng.choice(AGENCIES),
                    str(rng.randint(1, 10)),
                    rng.choice(PROBLEMS),
                    received.strftime(LOCAL),
                    dispatched.astimezone(CHICAGO).strftime(LOCAL),
                    arrived,
                ]
            )
        across = datetime(2025, 11, 2, 0, 50, tzinfo=CHICAGO)  # CDT, before the clocks fall back
        writer.writerow(
            [f"{prefix}-DST", "CPD", "1", "DISTURBANCE", across.strftime(LOCAL), across.strftime(LOCAL),
             "2025-11-02T01:40:00-06:00"]  # CST, after
        )  # fmt: skip


def _read(text: str) -> datetime:
    """The test's own reading: local wall-clock time (an ambiguous one at its earlier offset, fold=0, as the
    import documents), or ISO 8601 with its offset."""
    try:
        return datetime.strptime(text, LOCAL).replace(tzinfo=CHICAGO)
    except ValueError:
        return datetime.fromisoformat(text)


def rows_of(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {**row, "received": _read(row["Call Received"]), "on_scene": _read(row["On Scene"])}
            for row in csv.DictReader(handle)
        ]


def figures(seconds: list[float]) -> tuple[int, float, float]:
    values = np.asarray(seconds, dtype=float)
    return len(values), float(np.median(values)), float(np.percentile(values, 90))


def by_column(rows: list[dict[str, Any]], column: str) -> dict[str, tuple[int, float, float]]:
    grouped: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        grouped[row[column]].append((row["on_scene"] - row["received"]).total_seconds())
    return {key: figures(values) for key, values in grouped.items()}


def from_api(body: dict[str, Any], dimension: str) -> dict[str, tuple[int, float, float]]:
    return {
        str(r["group"][dimension]): (
            r["intervals"]["response"]["n"],
            r["intervals"]["response"]["median_s"],
            r["intervals"]["response"]["p90_s"],
        )
        for r in body["rows"]
    }


def assert_same(
    found: dict[str, tuple[int, float, float]], expected: dict[str, tuple[int, float, float]]
) -> None:
    assert found.keys() == expected.keys()
    for key, (n, median, p90) in expected.items():
        assert found[key][0] == n, key
        np.testing.assert_allclose(found[key][1:], (median, p90), rtol=0, atol=1e-6)


def sunday_week(moment: datetime) -> str:
    """The week from Sunday, numbered as the ISO week of its Monday."""
    shifted = (moment.astimezone(CHICAGO) + timedelta(days=1)).isocalendar()
    return f"{shifted.year}-W{shifted.week:02d}"


@pytest.fixture
def imported(services: Services, analytics: Analytics, tmp_path: Path) -> list[dict[str, Any]]:
    export, mapping = tmp_path / "chicago_export.csv", tmp_path / "chicago.toml"
    write_export(export, rows=1500)
    mapping.write_text(MAPPING, encoding="utf-8")
    done = run_cli(services, "import-cad", str(export), "--mapping", str(mapping))
    assert done.returncode == 0, done.stderr
    assert "received from (America/Chicago)" in done.stdout and "received from (UTC)" in done.stdout
    analytics.refresh(full=True)
    return rows_of(export)


@pytest.fixture
def analyst(centre: Centre, make_user: MakeUser) -> dict[str, str]:
    """A region-wide analyst, logged in with a password only."""
    make_user("chicago-analyst", Role.ANALYST, None)
    response = centre.admin.http.post(
        "/api/v1/auth/login", json={"username": "chicago-analyst", "password": PASSWORD}
    )
    assert response.status_code == 200 and response.json()["second_factor_pending"] is False
    return bearer(response.json()["token"])


def ask(centre: Centre, headers: dict[str, str], path: str, **params: str) -> dict[str, Any]:
    http: httpx.Client = centre.admin.http
    response = http.get(f"/api/v1/analytics/{path}", params={"origin": "imported", **params}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_grouped_by_agency_source_priority_and_call_type_the_figures_match_the_csv(
    imported: list[dict[str, Any]], centre: Centre, analyst: dict[str, str]
) -> None:
    for dimension, column in (
        ("source.agency", "Agency"),
        ("source_priority", "Priority"),
        ("source_category", "Problem"),
    ):
        body = ask(centre, analyst, "intervals", group_by=dimension, intervals="response")
        assert_same(from_api(body, dimension), by_column(imported, column))
    # Priorities 8–10 have no place on our scale: no row is lost from the by-priority table.
    ours = ask(centre, analyst, "counts", group_by="priority")
    assert sum(r["count"] for r in ours["rows"]) == len(imported)
    unmapped = sum(1 for r in imported if int(r["Priority"]) >= 8)
    assert {r["group"]["priority"]: r["count"] for r in ours["rows"]}[None] == unmapped
    # A source dimension filters as well as it groups.
    cpd = ask(centre, analyst, "counts", **{"source.agency": "CPD"})
    assert cpd["total"] == sum(1 for r in imported if r["Agency"] == "CPD")


def test_dates_hours_and_weeks_are_the_sources_own(
    imported: list[dict[str, Any]], centre: Centre, analyst: dict[str, str]
) -> None:
    second_week = (date(2025, 11, 2), date(2025, 11, 8))  # Sunday to Saturday, local in Chicago
    body = ask(centre, analyst, "counts", **{"from": "2025-11-02", "to": "2025-11-08"})
    expected = sum(1 for r in imported if second_week[0] <= r["received"].date() <= second_week[1])
    assert body["total"] == expected and body["selection"]["tz"] == "America/Chicago"
    hours = ask(centre, analyst, "counts", group_by="hour")
    assert {r["group"]["hour"]: r["count"] for r in hours["rows"]} == Counter(
        r["received"].hour for r in imported
    )
    weeks = ask(centre, analyst, "counts", group_by="week")
    assert {r["group"]["week"]: r["count"] for r in weeks["rows"]} == Counter(
        sunday_week(r["received"]) for r in imported
    )
    assert len(weeks["rows"]) == 2 and weeks["selection"]["week_start"] == "sunday"
    # The same question in the region's own calendar is a different, and equally exact, answer.
    almaty = ZoneInfo("Asia/Almaty")
    there = ask(centre, analyst, "counts", group_by="hour", tz="Asia/Almaty", week_start="monday")
    assert {r["group"]["hour"]: r["count"] for r in there["rows"]} == Counter(
        r["received"].astimezone(almaty).hour for r in imported
    )
    # Interval statistics select the same rows by the source's dates.
    stats = ask(centre, analyst, "intervals", **{"from": "2025-11-02", "to": "2025-11-08"})
    assert stats["data_quality"]["incidents"] == expected


def test_an_interval_across_the_clock_change_is_measured_between_instants(
    imported: list[dict[str, Any]], centre: Centre, analyst: dict[str, str]
) -> None:
    body = ask(
        centre,
        analyst,
        "intervals",
        group_by="source_priority",
        intervals="response",
        source_category="DISTURBANCE",
        **{"source.agency": "CPD", "from": "2025-11-02", "to": "2025-11-02"},
    )
    row = next(r for r in imported if r["Incident Number"] == "CH25-DST")
    assert (row["on_scene"] - row["received"]).total_seconds() == 110 * 60  # 50 minutes on the wall clock
    expected = by_column(
        [
            r
            for r in imported
            if r["Agency"] == "CPD"
            and r["Problem"] == "DISTURBANCE"
            and r["received"].date() == date(2025, 11, 2)
        ],
        "Priority",
    )
    assert_same(from_api(body, "source_priority"), expected)


def test_a_bad_zone_is_refused_by_name(centre: Centre, analyst: dict[str, str]) -> None:
    response = centre.admin.http.get(
        "/api/v1/analytics/counts", params={"tz": "Mars/Olympus"}, headers=analyst
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["tz"]


def test_a_later_import_adds_to_the_derived_columns_in_place(
    imported: list[dict[str, Any]],
    centre: Centre,
    analyst: dict[str, str],
    services: Services,
    analytics: Analytics,
    tmp_path: Path,
) -> None:
    """Source dimensions and the source's calendar are derived once; a refresh that adds rows extends them."""
    before = ask(centre, analyst, "counts", group_by="source.agency,week")
    assert before["total"] == len(imported)
    export = tmp_path / "more.csv"
    write_export(export, rows=300, seed=7, prefix="CH26")
    done = run_cli(services, "import-cad", str(export), "--mapping", str(tmp_path / "chicago.toml"))
    assert done.returncode == 0, done.stderr
    assert analytics.refresh().deltas  # a delta, not a new base
    rows = imported + rows_of(export)
    after = ask(centre, analyst, "counts", group_by="source.agency,week")
    found = {(r["group"]["source.agency"], r["group"]["week"]): r["count"] for r in after["rows"]}
    assert found == Counter((r["Agency"], sunday_week(r["received"])) for r in rows)
