"""A report says what it is over: its title names the period, the district and the data's origin (with the
import's source), in ru, kk and en, in the HTML page, the workbook and the PDF alike."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from babel.dates import format_date
from openpyxl import load_workbook

from kuzet.analytics.report import text as report_text
from kuzet.analytics.service import Analytics
from kuzet.container import Services
from tests.analytics import dataset
from tests.conftest import run_cli
from tests.console.districts import NAMES, put_named_districts
from tests.ops import Centre

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
LOCALES = ("ru", "kk", "en")


@pytest.fixture
def loaded(services: Services, centre: Centre, analytics: Analytics) -> None:
    put_named_districts(centre)
    dataset.load(services)
    dataset.load_imported(services)
    analytics.reset()


def report(centre: Centre, fmt: str, locale: str, **params: str) -> bytes:
    response = centre.supervisor.get("/api/v1/analytics/report", format=fmt, locale=locale, **MARCH, **params)
    assert response.status_code == 200, response.text
    return response.content


def title_of(centre: Centre, fmt: str, locale: str, tmp_path: Path, **params: str) -> str:
    """The title as each output prints it: the page's h1, the workbook's first cell, the PDF's text."""
    content = report(centre, fmt, locale, **params)
    if fmt == "html":
        page = content.decode()
        return page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    if fmt == "xlsx":
        return str(load_workbook(BytesIO(content))[report_text.sheet_name("summary", locale)]["A1"].value)
    pdf = tmp_path / f"report-{locale}.pdf"
    pdf.write_bytes(content)
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return " ".join(done.stdout.split())  # the title may wrap: compared with its spaces normalised


@pytest.mark.parametrize("fmt", ["html", "xlsx", "pdf"])
@pytest.mark.parametrize("locale", LOCALES)
def test_a_districts_report_over_imported_data_says_so_in_its_title(
    centre: Centre, loaded: None, tmp_path: Path, fmt: str, locale: str
) -> None:
    title = title_of(centre, fmt, locale, tmp_path, district="central", origin="imported")
    month = format_date(dataset.IMPORTED_RECEIVED.date(), "LLLL y", locale=locale)
    imported = report_text.t(report_text.TITLE_IMPORTED, locale)
    for part in (
        report_text.t(report_text.TITLE_MONTH, locale, month=month),
        NAMES["central"][f"name_{locale}"],
        report_text.t(report_text.TITLE_SOURCES, locale, origin=imported, sources="old.toml"),
    ):
        assert part in title, (part, title)


def test_the_russian_title_reads_as_the_chief_expects(centre: Centre, loaded: None, tmp_path: Path) -> None:
    title = title_of(centre, "html", "ru", tmp_path, district="central", origin="imported")
    assert title == "Отчёт за март 2026 — Центральный район — импортированные данные (источник old.toml)"


def test_a_region_wide_live_report_names_its_period_only(
    centre: Centre, loaded: None, tmp_path: Path
) -> None:
    for locale in LOCALES:
        title = title_of(centre, "html", locale, tmp_path)
        month = format_date(dataset.IMPORTED_RECEIVED.date(), "LLLL y", locale=locale)
        assert title == report_text.t(report_text.TITLE_MONTH, locale, month=month)


def test_a_year_or_any_dates_and_all_data_are_named_too(centre: Centre, loaded: None) -> None:
    year = centre.supervisor.get(
        "/api/v1/analytics/report", locale="en", origin="all", **{"from": "2026-01-01", "to": "2026-12-31"}
    ).text
    assert "<h1>Report for 2026 — live and imported data (source old.toml)</h1>" in year
    days = centre.supervisor.get(
        "/api/v1/analytics/report",
        locale="ru",
        district="north",
        **{"from": "2026-03-02", "to": "2026-03-09"},
    ).text
    shown = [
        format_date(dataset.IMPORTED_RECEIVED.date().replace(day=d), "short", locale="ru") for d in (2, 9)
    ]
    assert f"<h1>Отчёт за период {shown[0]} — {shown[1]} — Северный район</h1>" in days


def test_the_command_line_report_over_imported_data_says_so_too(
    services: Services, loaded: None, tmp_path: Path
) -> None:
    target = tmp_path / "march.html"
    done = run_cli(
        services,
        "report",
        "--year",
        "2026",
        "--month",
        "3",
        "--origin",
        "imported",
        "--district",
        "central",
        "--format",
        "html",
        "--locale",
        "kk",
        "--out",
        str(target),
    )
    assert done.returncode == 0, done.stderr
    title = target.read_text().split("<h1>", 1)[1].split("</h1>", 1)[0]
    month = format_date(dataset.IMPORTED_RECEIVED.date(), "LLLL y", locale="kk")
    imported = report_text.t(report_text.TITLE_IMPORTED, "kk")
    assert title == " — ".join(
        [
            report_text.t(report_text.TITLE_MONTH, "kk", month=month),
            NAMES["central"]["name_kk"],
            report_text.t(report_text.TITLE_SOURCES, "kk", origin=imported, sources="old.toml"),
        ]
    )
