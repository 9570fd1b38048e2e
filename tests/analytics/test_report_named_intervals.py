"""A region's own intervals with names in ru, kk and en and targets of their own (KUZET_ANALYTICS_INTERVALS
in full), beside ones given the old way as [from, to]: the API and the reports show the names and targets,
never the raw codes."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from kuzet.analytics.report import text as report_text
from kuzet.analytics.service import Analytics, analytics_settings
from kuzet.config import ConfigError, Settings
from kuzet.container import Services
from tests.analytics import dataset
from tests.ops import Centre

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
SECURED_NAMES = {"ru": "До охраны места", "kk": "Орынды күзетуге дейін", "en": "Until the scene is secured"}
INTERVALS: dict[str, Any] = {
    "acknowledge": ["unit_assigned_at", "unit_acknowledged_at"],  # the old form: no names, no target
    "secured": {
        "stamps": ["first_on_scene_at", "scene_secured_at"],
        "names": SECURED_NAMES,
        "target_minutes": 3,
    },
}


def configured(services: Services, tmp_path: Path, intervals: dict[str, Any], **more: Any) -> Settings:
    """The app's settings with these intervals, validated as the environment's JSON would be."""
    given = {**services.settings.model_dump(), "data_dir": tmp_path, "analytics_intervals": intervals, **more}
    return Settings.model_validate(given)


@pytest.fixture
def named(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Analytics]:
    """The server's analytics, for this test, those of a region with the intervals above."""
    built = Analytics.build(configured(services, tmp_path, INTERVALS), services.engine, services.clock)
    monkeypatch.setattr(services, "_analytics", built)
    dataset.load(services)
    dataset.load_imported(services)
    built.refresh()
    yield built
    built.close()


def test_the_api_gives_each_interval_its_names_and_target(centre: Centre, named: Analytics) -> None:
    body = centre.supervisor.ok(
        centre.supervisor.get("/api/v1/analytics/intervals", origin="imported", **MARCH)
    )
    defined = {i["name"]: i for i in body["intervals"]}
    assert defined["secured"]["names"] == SECURED_NAMES and defined["secured"]["target_minutes"] == 3
    assert (defined["secured"]["start"], defined["secured"]["end"]) == (
        "first_on_scene_at",
        "scene_secured_at",
    )
    assert defined["acknowledge"]["names"] == {} and defined["acknowledge"]["target_minutes"] is None
    assert defined["response"]["names"] == {} and defined["response"]["standard"]
    # The imported incident's scene was secured 120 s after arrival: within its 3 minutes.
    secured = body["rows"][0]["intervals"]["secured"]
    assert (secured["n"], secured["median_s"], secured["within_target_pct"]) == (1, 120.0, 100.0)


@pytest.mark.parametrize("locale", ["ru", "kk", "en"])
def test_the_reports_name_the_interval_and_its_target_in_each_language(
    centre: Centre, named: Analytics, locale: str
) -> None:
    params = {"locale": locale, "origin": "imported", **MARCH}
    page = centre.supervisor.get("/api/v1/analytics/report", **params).text
    name = SECURED_NAMES[locale]
    target = report_text.t(report_text.TARGET_MINUTES, locale, minutes="3")
    assert f"<td>{name}</td>" in page and "<td>secured</td>" not in page
    assert f"{name}: {target}" in page
    book = load_workbook(
        BytesIO(centre.supervisor.get("/api/v1/analytics/report", format="xlsx", **params).content)
    )
    rows = list(book[report_text.sheet_name("intervals", locale)].iter_rows(min_row=2, values_only=True))
    assert {r[1] for r in rows} >= {name, report_text.interval_name("response", locale), "acknowledge"}
    front = {r[0]: r[1] for r in book[report_text.sheet_name("summary", locale)].iter_rows(values_only=True)}
    assert front[name] == target


def test_a_name_in_an_unknown_language_or_a_target_given_twice_is_refused(
    services: Services, tmp_path: Path
) -> None:
    french = {"secured": {"stamps": ["first_on_scene_at", "scene_secured_at"], "names": {"fr": "Sécurisé"}}}
    with pytest.raises(ConfigError, match="ru, kk and en"):
        analytics_settings(configured(services, tmp_path, french))
    twice = configured(services, tmp_path, INTERVALS, analytics_target_minutes={"secured": 4.0})
    with pytest.raises(ConfigError, match="secured"):
        analytics_settings(twice)


def test_the_old_list_form_still_defines_an_interval(services: Services, tmp_path: Path) -> None:
    intervals, targets = analytics_settings(
        configured(
            services,
            tmp_path,
            {"to_close": ["received_at", "closed_at"]},
            analytics_target_minutes={"to_close": 60},
        )
    )
    (to_close,) = [i for i in intervals if i.name == "to_close"]
    assert (to_close.start, to_close.end, to_close.names) == ("received_at", "closed_at", ())
    assert targets.minutes("to_close") == 60
