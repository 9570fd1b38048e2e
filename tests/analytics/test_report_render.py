"""The report's three forms from one set of figures: the XLSX re-reads with the same numbers, the PDF renders
page by page (pdftoppm), the HTML page needs nothing from outside, and the summary speaks each language."""

from __future__ import annotations

import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kuzet.analytics.report import html as report_html
from kuzet.analytics.report import pdf as report_pdf
from kuzet.analytics.report import text as report_text
from kuzet.analytics.report import xlsx as report_xlsx
from kuzet.analytics.report.model import Count, IntervalFigures, IntervalTable, MonthTrend, ReportData


def figures(interval: str, n: int, mean: float) -> IntervalFigures:
    return IntervalFigures(interval, n, mean, mean - 20, mean + 150, 30.0, mean * 4, 81.25, 3, 1)


def sample(locale: str) -> ReportData:
    overall = [figures("call_processing", 900, 95.5), figures("response", 880, 371.0)]
    return ReportData(
        region="Демо-регион",
        locale=locale,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        incidents=1000,
        appeals=1204,
        previous_incidents=950,
        appeals_by_channel=[Count("102", 1010), Count("Apps", 194)],
        appeals_by_partner=[Count("Kaspi.kz", 120), Count("Police-102", 50), Count("eGov Mobile", 24)],
        incidents_by_category=[Count("Драка", 300), Count("Кража", 700)],
        incidents_by_priority=[Count("1", 300), Count("3", 700)],
        intervals=[
            IntervalTable("", [("", overall)]),
            IntervalTable(
                "priority",
                [("1", [figures("response", 290, 300.0)]), ("3", [figures("response", 590, 400.0)])],
            ),
        ],
        heatmap=[[(d * 24 + h) % 9 for h in range(24)] for d in range(7)],
        trend=[MonthTrend(f"2026-{m:02d}", 80 + m, 75 + m, 360.0 + m) for m in range(1, 13)],
        data_quality=[("response: missing", 117), ("response: negative", 3)],
    )


def test_the_workbook_rereads_with_the_same_numbers() -> None:
    data = sample("ru")
    book = load_workbook(BytesIO(report_xlsx.render(data)))
    intervals = book[report_text.sheet_name("intervals", "ru")]
    rows = list(intervals.iter_rows(min_row=2, values_only=True))
    response = next(r for r in rows if r[1] == report_text.interval_name("response", "ru"))
    # Numbers stay numbers: the count, and durations in minutes.
    assert response[2] == 880
    assert response[3] == pytest.approx(371.0 / 60, abs=1e-4)
    assert response[5] == pytest.approx(521.0 / 60, abs=1e-4)
    assert response[8] == pytest.approx(81.25)
    partners = book[report_text.sheet_name("by_partner", "ru")]
    assert [tuple(r) for r in partners.iter_rows(min_row=2, values_only=True)] == [
        ("Kaspi.kz", 120),
        ("Police-102", 50),
        ("eGov Mobile", 24),
    ]
    heat = book[report_text.sheet_name("heatmap", "ru")]
    assert [list(r[1:]) for r in heat.iter_rows(min_row=2, values_only=True)] == data.heatmap


@pytest.mark.parametrize("locale", ["ru", "kk", "en"])
def test_the_pdf_renders_page_by_page(locale: str, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf.render(sample(locale)))
    assert pdf.read_bytes().startswith(b"%PDF")
    done = subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 2 and all(p.stat().st_size > 1000 for p in pages)


def test_the_html_page_needs_nothing_from_outside() -> None:
    page = report_html.render(sample("kk"))
    assert page.startswith("<!doctype html>") and 'lang="kk"' in page
    assert "http://" not in page and "https://" not in page
    assert page.count("data:image/png;base64,") == 2  # the heatmap and the trend, inline
    assert report_text.heading("intervals_priority", "kk") in page


def test_the_summary_states_the_headline_figures_in_each_language() -> None:
    ru, kk, en = (report_text.summary(sample(loc)) for loc in ("ru", "kk", "en"))
    assert "1 204" in ru.replace("\xa0", " ") and "Kaspi.kz" in ru and "6 мин 11 с" in ru
    assert "Kaspi.kz" in kk and "6 мин 11 с" in kk and ru != kk
    assert "1,204 appeals" in en and "1,000 incidents" in en and "6 min 11 s" in en
    assert "+5.3 %" in en  # 1000 against 950
