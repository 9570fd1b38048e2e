"""The report as an XLSX workbook: one sheet per table, numbers as numbers (durations in minutes)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from kuzet.analytics.report import text as words
from kuzet.analytics.report.model import Count, IntervalFigures, IntervalTable, ReportData

BOLD = Font(bold=True)
MINUTES = "0.00"


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 4)


def _sheet(book: Workbook, title: str, header: list[str]) -> Worksheet:
    sheet: Worksheet = book.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = BOLD
    return sheet


def _counts(book: Workbook, title: str, counts: list[Count], loc: str) -> None:
    sheet = _sheet(book, title, [words.column("label", loc), words.column("count", loc)])
    for c in counts:
        sheet.append([c.label, c.count])


def _interval_row(group: str, f: IntervalFigures, loc: str) -> list[object]:
    return [
        group,
        words.interval_name(f.interval, loc),
        f.n,
        _minutes(f.mean_s),
        _minutes(f.median_s),
        _minutes(f.p90_s),
        _minutes(f.min_s),
        _minutes(f.max_s),
        None if f.within_target_pct is None else round(f.within_target_pct, 2),
        f.excluded_missing,
        f.excluded_negative,
    ]


def _intervals(book: Workbook, title: str, table: IntervalTable, loc: str) -> None:
    minutes = " (min)"
    header = [
        words.column("group", loc),
        words.column("interval", loc),
        words.column("n", loc),
        words.column("mean", loc) + minutes,
        words.column("median", loc) + minutes,
        words.column("p90", loc) + minutes,
        words.column("min", loc) + minutes,
        words.column("max", loc) + minutes,
        words.column("within", loc),
        "missing",
        "negative",
    ]
    sheet = _sheet(book, title, header)
    for group, figures in table.rows:
        for f in figures:
            sheet.append(_interval_row(group, f, loc))
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=8):
        for cell in row:
            cell.number_format = MINUTES


def render(data: ReportData) -> bytes:
    loc = data.locale
    book = Workbook()
    front = book.active if isinstance(book.active, Worksheet) else book.create_sheet()
    front.title = words.heading("summary", loc)[:31]
    front.append([words.heading("title", loc)])
    front["A1"].font = Font(bold=True, size=14)
    front.append([words.heading("region", loc), data.region])
    front.append([words.heading("period", loc), data.start, data.end])
    front.append([words.heading("appeals", loc), data.appeals])
    front.append([words.heading("incidents", loc), data.incidents])
    front.append([words.summary(data)])
    _counts(book, words.heading("by_channel", loc), data.appeals_by_channel, loc)
    _counts(book, words.heading("by_partner", loc), data.appeals_by_partner, loc)
    _counts(book, words.heading("by_category", loc), data.incidents_by_category, loc)
    _counts(book, words.heading("by_priority", loc), data.incidents_by_priority, loc)
    for table in data.intervals:
        _intervals(book, words.table_heading(table, loc), table, loc)
    heat = _sheet(book, words.column("hour", loc), ["", *[str(h) for h in range(24)]])
    for day, hours in enumerate(data.heatmap):
        heat.append([words.weekday(day, loc), *hours])
    trend = _sheet(
        book,
        words.heading("trend", loc),
        [
            words.column("month", loc),
            words.heading("incidents", loc),
            words.column("previous", loc),
            words.column("median_response", loc) + " (min)",
        ],
    )
    for m in data.trend:
        trend.append([m.month, m.incidents, m.previous_incidents, _minutes(m.response_median_s)])
    quality = _sheet(
        book, words.heading("quality", loc), [words.column("label", loc), words.column("count", loc)]
    )
    for label, count in data.data_quality:
        quality.append([label, count])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
