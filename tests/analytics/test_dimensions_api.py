"""GET /api/v1/analytics/dimensions: our dimensions, the source dimensions the whole imports stored have, and
the calendars of those imports beside the region's."""

from __future__ import annotations

from pathlib import Path

from kuzet.container import Services
from tests.analytics.test_foreign_export import MAPPING, write_export
from tests.conftest import run_cli
from tests.ops import Centre


def test_without_imports_only_our_dimensions_and_the_regions_calendar(
    centre: Centre, services: Services
) -> None:
    body = centre.analyst.ok(centre.analyst.get("/api/v1/analytics/dimensions"))
    assert body["source"] == [] and body["import_calendars"] == []
    assert "priority" in body["built_in"] and "source_priority" not in body["built_in"]
    assert body["region_calendar"] == {
        "tz": services.settings.analytics_timezone,
        "week_start": services.settings.analytics_week_start,
    }


def test_a_whole_import_adds_the_columns_its_mapping_kept_and_its_calendar(
    centre: Centre, services: Services, tmp_path: Path
) -> None:
    export, mapping = tmp_path / "chicago.csv", tmp_path / "chicago.toml"
    write_export(export, rows=20)
    mapping.write_text(MAPPING.replace('agency = "Agency"', 'agency = "Agency"\nproblem = "Problem"'))
    dry = run_cli(services, "import-cad", str(export), "--mapping", str(mapping), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    # A dry run stores nothing: nothing to group by yet.
    assert centre.analyst.ok(centre.analyst.get("/api/v1/analytics/dimensions"))["source"] == []

    done = run_cli(services, "import-cad", str(export), "--mapping", str(mapping))
    assert done.returncode == 0, done.stderr
    body = centre.analyst.ok(centre.analyst.get("/api/v1/analytics/dimensions"))
    assert body["source"] == ["source_priority", "source_category", "source.agency", "source.problem"]
    assert body["import_calendars"] == [{"tz": "America/Chicago", "week_start": "sunday"}]
