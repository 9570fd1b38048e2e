"""The report in every language: counted words agree with their numbers (ru: 21 854 обращения), workbook sheet
names are short titles of their own (Excel's 31 characters, never cut), and every PDF table fits its page with
all its columns, checked on the PDF itself by pdftotext's word boxes."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from html import unescape
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate, Table

from kuzet.analytics.report import pdf as report_pdf
from kuzet.analytics.report import text as report_text
from kuzet.analytics.report import xlsx as report_xlsx
from kuzet.analytics.report.model import Count, IntervalFigures, IntervalTable, MonthTrend, ReportData
from kuzet.core.i18n import LOCALES

INTERVALS = ("call_processing", "turnout", "travel", "response")
# District and category names as long as real ones get in Kazakh and Russian.
DISTRICTS = {
    "ru": ("Центральный район (управление полиции)", "Алатауский район"),
    "kk": ("Орталық аудан (полиция басқармасы)", "Сарыарқа ауданының полиция басқармасы"),
    "en": ("Central district (police department)", "Alatau district"),
}
CATEGORIES = (
    "Нарушение общественного порядка в общественном месте",
    "Дорожно-транспортное происшествие с пострадавшими",
    "Кража",
)
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="[\d.]+">')


def figures(interval: str, n: int, mean: float) -> IntervalFigures:
    return IntervalFigures(interval, n, mean, mean - 20, mean + 150, 30.0, mean * 40, 81.25, 3, 1)


def year(locale: str, *, appeals: int = 21_854, incidents: int = 20_031) -> ReportData:
    every = [figures(name, 20_000 + i, 95.5 + 60 * i) for i, name in enumerate(INTERVALS)]
    priorities = [(report_text.priority_name(str(p), locale), every) for p in (1, 2, 3, 4)]
    districts = [(name, every) for name in DISTRICTS[locale]]
    return ReportData(
        region="Демо-регион",
        locale=locale,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        incidents=incidents,
        appeals=appeals,
        previous_incidents=19_022,
        appeals_by_channel=[Count(report_text.channel_name(c, locale), 5000) for c in report_text.CHANNELS],
        appeals_by_partner=[Count("Kaspi.kz", 522), Count("Police-102", 231)],
        incidents_by_category=[Count(name, 7000 - i) for i, name in enumerate(CATEGORIES)],
        incidents_by_priority=[Count(report_text.priority_name(str(p), locale), 5000) for p in (1, 2, 3, 4)],
        intervals=[
            IntervalTable("", [("", every)]),
            IntervalTable("priority", priorities),
            IntervalTable("district", districts),
        ],
        heatmap=[[(d * 24 + h) % 9 for h in range(24)] for d in range(7)],
        trend=[MonthTrend(f"2026-{m:02d}", 1600 + m, 1500 + m, 360.0 + m) for m in range(1, 13)],
        data_quality=[(report_text.t(report_text.QUALITY_MERGED, locale), 117)],
    )


# Plurals


@pytest.mark.parametrize(
    ("appeals", "word"),
    [
        (21_854, "обращения"),
        (21_851, "обращение"),
        (21_855, "обращений"),
        (11, "обращений"),
        (2, "обращения"),
    ],
)
def test_the_russian_summary_counts_appeals_in_the_form_that_agrees_with_the_number(
    appeals: int, word: str
) -> None:
    summary = report_text.summary(year("ru", appeals=appeals)).replace("\xa0", " ")
    counted = re.search(r"зарегистрировал ([\d ]+) (\w+)\.", summary)
    assert counted is not None, summary
    assert counted.group(1) == report_text.number(appeals, "ru").replace("\xa0", " ")
    assert counted.group(2) == word


def test_the_russian_summary_counts_incidents_and_the_previous_period_in_agreement() -> None:
    summary = report_text.summary(replace(year("ru", incidents=1), previous_incidents=24)).replace(
        "\xa0", " "
    )
    assert "заведено 1 происшествие." in summary
    assert "(24 происшествия)" in summary


def test_the_english_summary_says_one_appeal_in_the_singular() -> None:
    summary = report_text.summary(replace(year("en", appeals=1, incidents=1), appeals_by_partner=[]))
    assert "registered 1 appeal." in summary and "led to 1 incident." in summary


# Sheet names


@pytest.mark.parametrize("locale", LOCALES)
def test_every_sheet_name_is_a_short_title_of_its_own_in_every_language(locale: str) -> None:
    titles = {key: report_text.t(message, locale) for key, message in report_text.SHEETS.items()}
    too_long = {key: title for key, title in titles.items() if len(title) > report_text.SHEET_NAME_LIMIT}
    assert not too_long, too_long
    book = load_workbook(BytesIO(report_xlsx.render(year(locale))))
    assert sorted(book.sheetnames) == sorted(titles.values())  # all there, none cut, none repeated


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_workbook_headers_are_in_the_reports_language(locale: str) -> None:
    book = load_workbook(BytesIO(report_xlsx.render(year(locale))))
    header = [c.value for c in book[report_text.sheet_name("intervals", locale)][1]]
    english = [h for h in header if h and re.search(r"\b(min|missing|negative)\b", str(h))]
    assert not english, english


# PDF tables within the page


def words_on_pages(pdf: bytes, tmp_path: Path) -> tuple[float, list[tuple[float, float, str]]]:
    """The page width and every word's left edge, right edge and text, by pdftotext -bbox (poppler)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils")
    source, boxes = tmp_path / "report.pdf", tmp_path / "report.html"
    source.write_bytes(pdf)
    subprocess.run([tool, "-bbox", str(source), str(boxes)], check=True, capture_output=True)
    html = boxes.read_text(encoding="utf-8")
    widths = {float(w) for w in PAGE.findall(html)}
    assert len(widths) == 1, widths
    found = [(float(x0), float(x1), unescape(text)) for x0, x1, text in WORD.findall(html)]
    return widths.pop(), found


def outside(pdf: bytes, tmp_path: Path) -> list[str]:
    """Words that stick out past the page's right edge or its left one."""
    width, found = words_on_pages(pdf, tmp_path)
    return [text for x0, x1, text in found if x1 > width or x0 < 0]


def table_header_words(locale: str) -> set[str]:
    data = year(locale)
    headers = report_text.interval_cells(data.intervals[0], locale)[0]
    headers += report_text.count_cells(data.appeals_by_channel, locale)[0]
    return {word for header in headers for word in header.split()}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_pdf_table_fits_its_page_with_every_column(locale: str, tmp_path: Path) -> None:
    pdf = report_pdf.render(year(locale))
    width, found = words_on_pages(pdf, tmp_path)
    assert not [text for x0, x1, text in found if x1 > width - 10 or x0 < 10]
    printed = {text for _x0, _x1, text in found}
    missing = table_header_words(locale) - printed
    assert not missing, f"{locale}: column headers not printed whole: {missing}"
    within = report_text.column("within", locale).split()[-1]
    # The last column, '% within target', is printed on every line of every interval table.
    assert sum(1 for _x0, _x1, text in found if text == within) >= 3


def test_the_check_finds_a_table_laid_out_by_its_content_alone(tmp_path: Path) -> None:
    """The check itself can fail: a table sized by reportlab from its content runs off a Russian page."""
    report_pdf._fonts()
    header, rows = report_text.interval_cells(year("ru").intervals[1], "ru")
    table = Table([header, *rows])
    table.setStyle([("FONT", (0, 0), (-1, -1), report_pdf.FONT, 8)])
    out = BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=report_pdf.MARGIN, rightMargin=report_pdf.MARGIN).build(
        [table]
    )
    assert outside(out.getvalue(), tmp_path)
