"""Acceptance: a foreign CAD export goes in through `kuzet import-cad`, and the response-time figures
(received to first on scene: n, mean, median, p90 by numpy's linear interpolation, missing and negative
excluded) computed from the stored rows equal those computed independently from the CSV here, with the csv
module and numpy."""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select

from kuzet.analytics.cad.tables import imported_incidents
from kuzet.analytics.domain import Origin, Query
from kuzet.analytics.service import Analytics
from kuzet.container import Services
from tests.conftest import run_cli

ALMATY = ZoneInfo("Asia/Almaty")
HEADER = ["Incident #", "Call Type", "Pri", "Received", "Dispatched", "Arrived", "Closed"]
MISSING = {"", "NOT CAPTURED", "N/A"}
MAPPING = """
name = "Vendor CAD, English export"
[csv]
delimiter = ";"
encoding = "utf-8"
[time]
formats = ["%d.%m.%Y %H:%M:%S", "iso8601"]
[missing]
values = ["NOT CAPTURED", "N/A"]
[fields]
number = "Incident #"
category = "Call Type"
priority = "Pri"
received_at = "Received"
first_dispatched_at = "Dispatched"
first_on_scene_at = "Arrived"
closed_at = { column = "Closed", formats = ["epoch_s"] }
[values.category]
"THEFT" = "theft"
"FIGHT" = "fight"
"NOISE" = "noise"
[values.priority]
"P1" = 1
"P2" = 2
"P3" = 3
"""


def _local(moment: datetime) -> str:
    return moment.astimezone(ALMATY).strftime("%d.%m.%Y %H:%M:%S")


def _arrived(received: datetime, rng: random.Random) -> str:
    """Mostly 2–15 minutes later, written locally or as ISO 8601 in another offset; some missing, negative or
    unreadable."""
    roll = rng.random()
    if roll < 0.05:
        return rng.choice(["NOT CAPTURED", "N/A", ""])
    if roll < 0.07:
        return _local(received - timedelta(seconds=rng.randint(1, 300)))
    if roll < 0.08:
        return "31.02.2025 10:00:00"
    arrived = received + timedelta(seconds=rng.randint(120, 900))
    if roll < 0.5:
        return arrived.astimezone(timezone(timedelta(hours=rng.choice([0, 5, 6])))).isoformat()
    return _local(arrived)


def write_export(path: Path, rows: int, seed: int = 2025) -> None:
    rng = random.Random(seed)
    start = datetime(2023, 6, 1, tzinfo=UTC)
    numbers: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for i in range(rows):
            received = start + timedelta(seconds=rng.randint(0, 900 * 86400))
            number = rng.choice(numbers) if numbers and rng.random() < 0.02 else f"V-{i:06d}"
            numbers.append(number)
            writer.writerow(
                [
                    number,
                    rng.choice(["THEFT", "FIGHT", "NOISE", "LOST DOG"]),
                    rng.choice(["P1", "P2", "P3", "N/A"]),
                    "NOT CAPTURED" if rng.random() < 0.01 else _local(received),
                    _local(received + timedelta(seconds=rng.randint(5, 120))),
                    _arrived(received, rng),
                    str(int((received + timedelta(hours=1)).timestamp())),
                ]
            )


def _parse(text: str) -> datetime | None:
    """The test's own reading of the export's times: local dd.mm.yyyy, or ISO 8601 with its offset."""
    try:
        return datetime.strptime(text, "%d.%m.%Y %H:%M:%S").replace(tzinfo=ALMATY)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def responses_from_csv(path: Path) -> list[float]:
    """Received → arrived seconds of the rows the import keeps (first row per number, every time readable)."""
    seen: set[str] = set()
    seconds: list[float] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            texts = {k: row[k].strip() for k in ("Received", "Dispatched", "Arrived")}
            times = {k: None if v in MISSING else _parse(v) for k, v in texts.items()}
            unreadable = any(times[k] is None and texts[k] not in MISSING for k in times)
            if unreadable or times["Received"] is None or row["Incident #"] in seen:
                continue
            seen.add(row["Incident #"])
            received, arrived = times["Received"], times["Arrived"]
            if arrived is not None and arrived >= received:
                seconds.append((arrived - received).total_seconds())
    return seconds


def responses_from_store(services: Services) -> list[float]:
    query = select(imported_incidents.c.received_at, imported_incidents.c.first_on_scene_at)
    with services.engine.connect() as connection:
        pairs = connection.execute(query).all()
    return [
        (on_scene - received).total_seconds()
        for received, on_scene in pairs
        if on_scene and on_scene >= received
    ]


def figures(seconds: list[float]) -> tuple[int, float, float, float]:
    values = np.asarray(seconds, dtype=float)
    return len(values), float(values.mean()), float(np.median(values)), float(np.percentile(values, 90))


def test_imported_response_times_reproduce_figures_computed_from_the_csv(
    services: Services, analytics: Analytics, tmp_path: Path
) -> None:
    export, mapping = tmp_path / "vendor_export.csv", tmp_path / "vendor.toml"
    write_export(export, rows=3000)
    mapping.write_text(MAPPING, encoding="utf-8")
    done = run_cli(services, "import-cad", str(export), "--mapping", str(mapping))
    assert done.returncode == 0, done.stderr
    expected = figures(responses_from_csv(export))
    found = figures(responses_from_store(services))
    assert expected[0] > 2000 and found[0] == expected[0]
    np.testing.assert_allclose(found[1:], expected[1:], rtol=0, atol=1e-6)
    assert 120 <= expected[2] <= 900  # the median sits inside the generated 2–15 minutes
    # The analytics engine (the reports' and the API's) gives the same figures for the imported incidents.
    analytics.reset()
    engine = analytics.intervals(Query(origin=Origin.IMPORTED), ["response"]).tables[0].rows[0]
    summary = engine.intervals["response"]
    assert summary.n == expected[0]
    np.testing.assert_allclose([summary.mean, summary.median, summary.p90], expected[1:], rtol=0, atol=1e-6)
    live_only = analytics.intervals(Query(), ["response"]).tables[0].rows[0]
    assert live_only.intervals["response"].n == 0  # imported incidents stay apart unless asked for
