"""The period report's section "Camera coverage of incidents": the same figures as the coverage API, by month
and by district, in the HTML page, the workbook that re-reads and the PDF; a district's report has its
district only."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from kuzet.cctv import coverage_report
from kuzet.container import Services
from kuzet.core.clock import to_local
from tests.analytics.test_report_languages import words_on_pages
from tests.cctv.test_coverage_api import ROUTE, scene
from tests.ops import Centre

__all__ = ["scene"]


def period(services: Services) -> dict[str, str]:
    services.analytics.reset()  # the report's other sections read the snapshot afresh
    today = to_local(services.clock.now()).date().isoformat()
    return {"from": today, "to": today}


def test_the_report_carries_the_apis_coverage(
    centre: Centre, services: Services, scene: dict[str, Any], tmp_path: Path
) -> None:
    sup = centre.supervisor
    days = period(services)
    api = sup.ok(sup.get(ROUTE, group="district", **days))
    workbook = sup.get("/api/v1/analytics/report", format="xlsx", locale="en", **days)
    assert workbook.status_code == 200, workbook.text
    sheet = load_workbook(BytesIO(workbook.content))[coverage_report.sheet_name("en")]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] is not None]
    assert rows[0][:4] == ("Month", "Incidents", "Seen", "Share seen, %")
    total = next(r for r in rows if r[0] == "Total")
    figures = api["total"]
    assert total[1:4] == (figures["incidents"], figures["seen"], round(100 * figures["share"], 2))
    assert list(total[4:8]) == [figures["not_seen"][k] for k in coverage_report.REASONS]
    by_district = {r[0]: r for r in rows[rows.index(total) + 2 :] if isinstance(r[1], int)}
    assert len(by_district) == len(api["rows"])
    assert sorted(r[1] for r in by_district.values()) == sorted(r["incidents"] for r in api["rows"])

    page = sup.get("/api/v1/analytics/report", locale="ru", **days)
    assert coverage_report.heading("ru") in page.text
    assert coverage_report.heading("ru", by_district=True) in page.text
    pdf = sup.get("/api/v1/analytics/report", format="pdf", locale="kk", **days)
    assert pdf.status_code == 200
    _, found = words_on_pages(pdf.content, tmp_path)
    words = " ".join(w for _, _, w in found)
    assert all(part in words for part in coverage_report.heading("kk").split())


def test_a_districts_report_has_its_coverage_only(
    centre: Centre, services: Services, scene: dict[str, Any]
) -> None:
    days = period(services)
    analyst = centre.analyst  # of the central district
    workbook = analyst.get("/api/v1/analytics/report", format="xlsx", locale="en", **days)
    assert workbook.status_code == 200, workbook.text
    sheet = load_workbook(BytesIO(workbook.content))[coverage_report.sheet_name("en")]
    total = next(r for r in sheet.iter_rows(values_only=True) if r and r[0] == "Total")
    api = analyst.ok(analyst.get(ROUTE, **days))
    assert total[1:3] == (api["total"]["incidents"], api["total"]["seen"]) == (2, 1)
