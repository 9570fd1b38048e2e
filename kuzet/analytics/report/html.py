"""The report as one self-contained HTML page: styles and charts inline, nothing fetched from elsewhere."""

from __future__ import annotations

import base64
from html import escape

from kuzet.analytics.report import joint
from kuzet.analytics.report import text as words
from kuzet.analytics.report.model import ReportData

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1b2733}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 6px}
table{border-collapse:collapse;margin:4px 0}th,td{border:1px solid #c3ccd6;padding:3px 8px}
th{background:#e8edf5;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.summary{background:#f4f7fb;border-left:4px solid #0d3b66;padding:8px 12px}img{max-width:100%}
"""


def _table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{escape(c)}</td>' if i >= numeric_from else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cells(cells: words.Cells, numeric_from: int = 1) -> str:
    header, rows = cells
    return _table(header, rows, numeric_from)


def _image(png: bytes, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def render(data: ReportData) -> str:
    # matplotlib: imported when a report is drawn, not by the server that only needs STYLE at start-up.
    from kuzet.analytics.report import charts

    loc = data.locale
    parts = [
        f'<!doctype html><html lang="{loc}"><head><meta charset="utf-8">',
        f"<title>{escape(words.title(data))}</title><style>{STYLE}</style></head><body>",
        f'<p class="centre">{escape(words.heading("title", loc))}</p>',
        f"<h1>{escape(words.title(data))}</h1>",
        f"<p>{escape(words.heading('region', loc))}: {escape(data.region)} · "
        f"{escape(words.heading('period', loc))}: {data.start} — {data.end}</p>",
        f'<p class="summary">{escape(words.summary(data))}</p>',
    ]
    if data.imported_included:
        parts.append(f"<p>{escape(words.heading('imported', loc))}</p>")
    if data.targets:
        targets = "; ".join(f"{escape(n)}: {escape(v)}" for n, v in data.targets)
        parts.append(f'<p class="targets">{escape(words.t(words.TARGETS, loc))}: {targets}</p>')

    def section(title: str, html: str) -> None:
        parts.append(f"<h2>{escape(title)}</h2>{html}")

    for key, counts in (
        ("by_channel", data.appeals_by_channel),
        ("by_partner", data.appeals_by_partner),
        ("by_priority", data.incidents_by_priority),
        ("by_category", data.incidents_by_category),
    ):
        section(words.heading(key, loc), _cells(words.count_cells(counts, loc)))
    for table in data.intervals:
        section(words.table_heading(table, loc), _cells(words.interval_cells(table, loc), numeric_from=2))
    if data.joint is not None:
        answers = _cells(joint.count_cells(data.joint, loc), numeric_from=2) if data.joint.lines else ""
        section(joint.heading("joint", loc), f"<p>{escape(joint.note(data.joint, loc))}</p>{answers}")
        if data.joint.lines:
            section(
                joint.heading("joint_intervals", loc),
                _cells(joint.interval_cells(data.joint, loc), numeric_from=3),
            )
    if data.coverage is not None:
        from kuzet.cctv import coverage_report as cctv

        covered = data.coverage
        tables = _cells(cctv.cells(covered.by_month, "month", loc)) if covered.by_month[-1].incidents else ""
        section(cctv.heading(loc), f"<p>{escape(cctv.note(covered, loc))}</p>{tables}")
        if covered.by_district:
            section(
                cctv.heading(loc, by_district=True), _cells(cctv.cells(covered.by_district, "district", loc))
            )
    section(words.heading("heatmap", loc), _image(charts.heatmap_png(data), words.heading("heatmap", loc)))
    if data.trend:
        section(words.heading("trend", loc), _image(charts.trend_png(data), words.heading("trend", loc)))
    if data.data_quality:
        section(words.heading("quality", loc), _cells(words.count_cells(data.data_quality, loc)))
    parts.append("</body></html>")
    return "".join(parts)
