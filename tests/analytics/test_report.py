"""The period report over the constructed data set: the same figures as the analytics API, in the XLSX that
re-reads, the PDF that renders, the console's HTML page and the `kuzet report` command."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kuzet.analytics.report import text as report_text
from kuzet.analytics.service import Analytics
from kuzet.container import Services
from tests.analytics import dataset
from tests.conftest import run_cli
from tests.ops import Centre

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def loaded(services: Services, analytics: Analytics) -> dataset.Loaded:
    done = dataset.load(services)
    analytics.reset()
    return done


def test_the_workbook_carries_the_apis_numbers(centre: Centre, loaded: dataset.Loaded) -> None:
    api = centre.supervisor.ok(centre.supervisor.get("/api/v1/analytics/intervals", **MARCH))
    response = centre.supervisor.get("/api/v1/analytics/report", format="xlsx", locale="en", **MARCH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    rows = list(book[report_text.sheet_name("intervals", "en")].iter_rows(min_row=2, values_only=True))
    by_name = {row[1]: row for row in rows}
    for interval in api["intervals"]:
        figures = api["rows"][0]["intervals"][interval["name"]]
        row = by_name[report_text.interval_name(interval["name"], "en")]
        assert row[2] == figures["n"]
        for column, key in ((3, "mean_s"), (4, "median_s"), (5, "p90_s"), (6, "min_s"), (7, "max_s")):
            expected = None if figures[key] is None else figures[key] / 60
            assert row[column] == (None if expected is None else pytest.approx(expected, abs=1e-4)), key
    counts = centre.supervisor.ok(centre.supervisor.get("/api/v1/analytics/counts", **MARCH))
    summary = book[report_text.sheet_name("summary", "en")]
    cells = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and len(row) > 1}
    assert cells[report_text.heading("incidents", "en")] == counts["total"]


def test_the_pdf_report_renders_in_kazakh(centre: Centre, loaded: dataset.Loaded, tmp_path: Path) -> None:
    response = centre.supervisor.get("/api/v1/analytics/report", format="pdf", locale="kk", **MARCH)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "march.pdf"
    pdf.write_bytes(response.content)
    done = subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "p")], capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert len(list(tmp_path.glob("p*.png"))) >= 2


def test_the_html_report_for_the_console_and_its_errors(centre: Centre, loaded: dataset.Loaded) -> None:
    page = centre.supervisor.get("/api/v1/analytics/report", locale="ru", **MARCH)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert report_text.heading("title", "ru") in page.text and "https://" not in page.text
    bad = centre.supervisor.get("/api/v1/analytics/report", format="docx", locale="fr", **MARCH)
    assert bad.status_code == 422
    assert sorted(e["field"] for e in bad.json()["errors"]) == ["format", "locale"]
    assert centre.dispatcher.get("/api/v1/analytics/report", **MARCH).status_code == 403


def test_kuzet_report_writes_the_file(services: Services, loaded: dataset.Loaded, tmp_path: Path) -> None:
    target = tmp_path / "year.xlsx"
    done = run_cli(
        services, "report", "--year", "2026", "--format", "xlsx", "--locale", "en", "--out", str(target)
    )
    assert done.returncode == 0, done.stderr
    book = load_workbook(target)
    assert report_text.sheet_name("by_partner", "en") in book.sheetnames
    refused = run_cli(services, "report", "--month", "3")
    assert refused.returncode == 2 and "--year" in refused.stderr
