"""The report's section "Joint response with other services" in every output and language: the per-agency
and per-category lines, the intervals as m:ss (minutes in the workbook), and PDF tables within the page
with every column, even with long Russian and Kazakh names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kuzet.analytics.joint import Basis, HandoverFacts, StepTimes, joint_response
from kuzet.analytics.report import html as report_html
from kuzet.analytics.report import joint as report_joint
from kuzet.analytics.report import pdf as report_pdf
from kuzet.analytics.report import text as report_text
from kuzet.analytics.report import xlsx as report_xlsx
from kuzet.analytics.report.model import JointSection, ReportData
from kuzet.core.i18n import LOCALES
from tests.analytics.test_report_languages import words_on_pages, year

START = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
AGENCIES = {
    "ambulance_103": {
        "ru": "Станция скорой медицинской помощи (103)",
        "kk": "Жедел медициналық жәрдем станциясы (103)",
        "en": "Emergency medical service (103)",
    },
    "fire_101": {
        "ru": "Служба пожаротушения и аварийно-спасательных работ",
        "kk": "Өрт сөндіру және авариялық-құтқару жұмыстары қызметі",
        "en": "Fire and rescue service (101)",
    },
}
CATEGORIES = {
    "road_accident": "Дорожно-транспортное происшествие с пострадавшими",
    "stabbing": "Ножевое ранение",
}


def facts() -> list[HandoverFacts]:
    made = []
    for i in range(12):
        requested = START + timedelta(minutes=17 * i)
        ack, dispatched, on_scene = 20.0 + 9 * i, 60.0 + 13 * i, 420.0 + 41 * i
        steps = {
            name: StepTimes(requested + timedelta(seconds=s), requested + timedelta(seconds=s + 2))
            for name, s in (("ack", ack), ("dispatched", dispatched), ("on_scene", on_scene))
        }
        made.append(
            HandoverFacts(
                agency=("ambulance_103", "fire_101")[i % 2],
                category=("road_accident", "stabbing", "stabbing")[i % 3],
                requested_at=requested,
                ack_due_at=requested + timedelta(seconds=60),
                accepted=True,
                steps=steps,
            )
        )
    return made


def section(locale: str) -> JointSection:
    report = joint_response(facts(), basis=Basis.AGENCY, now=START + timedelta(days=1))
    return report_joint.section(report, agency_names=AGENCIES, categories=CATEGORIES, locale=locale)


def with_joint(locale: str) -> ReportData:
    return replace(year(locale), joint=section(locale))


def test_each_agency_line_is_followed_by_its_categories() -> None:
    lines = section("ru").lines
    assert [(line.agency, line.category) for line in lines] == [
        (AGENCIES["ambulance_103"]["ru"], ""),
        (AGENCIES["ambulance_103"]["ru"], CATEGORIES["road_accident"]),
        (AGENCIES["ambulance_103"]["ru"], CATEGORIES["stabbing"]),
        (AGENCIES["fire_101"]["ru"], ""),
        (AGENCIES["fire_101"]["ru"], CATEGORIES["road_accident"]),
        (AGENCIES["fire_101"]["ru"], CATEGORIES["stabbing"]),
    ]
    assert lines[0].requested == sum(line.requested for line in lines[1:3])


@pytest.mark.parametrize("locale", LOCALES)
def test_the_page_has_the_section_with_both_tables(locale: str) -> None:
    data = with_joint(locale)
    page = report_html.render(data)
    assert report_joint.heading("joint", locale) in page
    assert report_joint.heading("joint_intervals", locale) in page
    assert AGENCIES["fire_101"][locale] in page
    assert report_joint.interval_name("on_scene", locale) in page
    first = data.joint.lines[0] if data.joint else None
    assert first is not None
    median = next(f for f in first.intervals if f.interval == "acknowledged").median_s
    assert report_text.clock(median) in page


def test_a_period_without_hand_overs_says_so() -> None:
    page = report_html.render(replace(year("en"), joint=JointSection("agency", [])))
    assert "No hand-overs to other services in the period." in page
    assert report_joint.heading("joint_intervals", "en") not in page


@pytest.mark.parametrize("locale", LOCALES)
def test_the_workbook_has_the_sections_sheets_with_minutes(locale: str) -> None:
    data = with_joint(locale)
    book = load_workbook(BytesIO(report_xlsx.render(data)))
    counts = list(book[report_text.sheet_name("joint", locale)].iter_rows(values_only=True))
    assert counts[0][:3] == (
        report_joint.column("agency", locale),
        report_joint.column("category", locale),
        report_joint.column("requested", locale),
    )
    assert data.joint is not None
    assert [row[2] for row in counts[1 : 1 + len(data.joint.lines)]] == [
        line.requested for line in data.joint.lines
    ]
    intervals = list(book[report_text.sheet_name("joint_intervals", locale)].iter_rows(values_only=True))
    assert len(intervals) == 1 + 3 * len(data.joint.lines)
    first = data.joint.lines[0].intervals[0]
    assert first.median_s is not None
    assert intervals[1][3] == first.n
    assert intervals[1][4] == pytest.approx(first.median_s / 60, abs=1e-4)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_sections_pdf_tables_fit_the_page_with_every_column(locale: str, tmp_path: Path) -> None:
    data = with_joint(locale)
    width, found = words_on_pages(report_pdf.render(data), tmp_path)
    assert not [text for x0, x1, text in found if x1 > width - 10 or x0 < 10]
    printed = {text for _x0, _x1, text in found}
    assert data.joint is not None
    headers = (
        report_joint.count_cells(data.joint, locale)[0] + report_joint.interval_cells(data.joint, locale)[0]
    )
    missing = {word for header in headers for word in header.split()} - printed
    assert not missing, f"{locale}: column headers not printed whole: {missing}"
    assert set(report_joint.heading("joint", locale).split()) <= printed
