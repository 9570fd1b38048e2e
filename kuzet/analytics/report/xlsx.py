"""The report as an XLSX workbook: one sheet per table, numbers as numbers (durations in minutes)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from kuzet.analytics.report import joint
from kuzet.analytics.report import text as words
from kuzet.analytics.report.model import Count, IntervalFigures, IntervalTable, JointSection, ReportData

BOLD = Font(bold=True)
MINUTES = "0.00"


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 4)


def _sheet(book: Workbook, title: str, header: list[str]) -> Worksheet:
    sheet: Worksheet = book.create_sheet(title)
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
        f.label or words.interval_name(f.interval, loc),
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
    header = [
        words.column("group", loc),
        words.column("interval", loc),
        words.column("n", loc),
        *(words.minutes_column(key, loc) for key in ("mean", "median", "p90", "min", "max")),
        words.column("within", loc),
        words.column("missing", loc),
        words.column("negative", loc),
    ]
    sheet = _sheet(book, title, header)
    for group, figures in table.rows:
        for f in figures:
            sheet.append(_interval_row(group, f, loc))
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=8):
        for cell in row:
            cell.number_format = MINUTES


def _joint(book: Workbook, section: JointSection | None, loc: str) -> None:
    """Two sheets, always there (empty without hand-overs): the answers counted, and the intervals."""
    lines = [] if section is None else section.lines
    counts = _sheet(book, words.sheet_name("joint", loc), joint.count_cells(JointSection("", []), loc)[0])
    for line in lines:
        counts.append(
            [line.agency, joint.category_name(line, loc), *(getattr(line, k) for k in joint.COUNTED)]
        )
    if section is not None:
        counts.append([])
        counts.append([joint.note(section, loc)])
    intervals = _sheet(
        book, words.sheet_name("joint_intervals", loc), joint.interval_header(loc, minutes=True)
    )
    for line in lines:
        for f in line.intervals:
            intervals.append(
                [
                    line.agency,
                    joint.category_name(line, loc),
                    joint.interval_name(f.interval, loc),
                    f.n,
                    _minutes(f.median_s),
                    _minutes(f.p90_s),
                    _minutes(f.mean_s),
                    f.excluded_negative,
                ]
            )
    for row in intervals.iter_rows(min_row=2, min_col=5, max_col=7):
        for cell in row:
            cell.number_format = MINUTES


def render(data: ReportData) -> bytes:
    loc = data.locale
    book = Workbook()
    front = book.active if isinstance(book.active, Worksheet) else book.create_sheet()
    front.title = words.sheet_name("summary", loc)
    front.append([words.title(data)])  # A1: what the report is over
    front.append([words.heading("title", loc)])
    front["A1"].font = Font(bold=True, size=14)
    front.append([words.heading("region", loc), data.region])
    front.append([words.heading("period", loc), data.start, data.end])
    front.append([words.heading("appeals", loc), data.appeals])
    front.append([words.heading("incidents", loc), data.incidents])
    front.append([words.summary(data)])
    if data.targets:
        front.append([words.t(words.TARGETS, loc)])
        for named, target in data.targets:
            front.append([named, target])
    _counts(book, words.sheet_name("by_channel", loc), data.appeals_by_channel, loc)
    _counts(book, words.sheet_name("by_partner", loc), data.appeals_by_partner, loc)
    _counts(book, words.sheet_name("by_category", loc), data.incidents_by_category, loc)
    _counts(book, words.sheet_name("by_priority", loc), data.incidents_by_priority, loc)
    for table in data.intervals:
        _intervals(book, words.sheet_name(words.table_key(table), loc), table, loc)
    heat = _sheet(book, words.sheet_name("heatmap", loc), ["", *[str(h) for h in range(24)]])
    for day, hours in enumerate(data.heatmap):
        heat.append([words.weekday(day, loc), *hours])
    trend = _sheet(
        book,
        words.sheet_name("trend", loc),
        [
            words.column("month", loc),
            words.heading("incidents", loc),
            words.column("previous", loc),
            words.minutes_column("median_response", loc),
        ],
    )
    for m in data.trend:
        trend.append([m.month, m.incidents, m.previous_incidents, _minutes(m.response_median_s)])
    quality = _sheet(
        book, words.sheet_name("quality", loc), [words.column("label", loc), words.column("count", loc)]
    )
    for label, count in data.data_quality:
        quality.append([label, count])
    _joint(book, data.joint, loc)
    if data.coverage is not None:
        from kuzet.cctv import coverage_report as cctv

        covered = _sheet(book, cctv.sheet_name(loc), cctv.header("month", loc))
        for line in data.coverage.by_month:
            covered.append(cctv.values(line))
        covered.append([])
        covered.append(cctv.header("district", loc))
        for line in data.coverage.by_district:
            covered.append(cctv.values(line))
        covered.append([])
        covered.append([cctv.note(data.coverage, loc)])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
