"""The report as one self-contained HTML page: styles and charts inline, nothing fetched from elsewhere."""

from __future__ import annotations

import base64
from html import escape

from kuzet.analytics import report_charts as charts
from kuzet.analytics import report_text as words
from kuzet.analytics.report_model import Count, IntervalTable, ReportData

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


def _counts(counts: list[Count], loc: str) -> str:
    header = [words.column("label", loc), words.column("count", loc)]
    return _table(header, [[c.label, words.number(c.count, loc)] for c in counts])


def _intervals(table: IntervalTable, loc: str) -> str:
    keys = ("interval", "n", "mean", "median", "p90", "min", "max", "within")
    header = [words.column("group", loc)] + [words.column(k, loc) for k in keys]
    rows = []
    for group, figures in table.rows:
        for f in figures:
            within = "–" if f.within_target_pct is None else words.number(f.within_target_pct, loc, 1)
            times = [words.clock(v) for v in (f.mean_s, f.median_s, f.p90_s, f.min_s, f.max_s)]
            rows.append([group, words.interval_name(f.interval, loc), words.number(f.n, loc), *times, within])
    return _table(header, rows, numeric_from=2)


def _image(png: bytes, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def render(data: ReportData) -> str:
    loc = data.locale
    parts = [
        f'<!doctype html><html lang="{loc}"><head><meta charset="utf-8">',
        f"<title>{escape(words.heading('title', loc))}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(words.heading('title', loc))}</h1>",
        f"<p>{escape(words.heading('region', loc))}: {escape(data.region)} · "
        f"{escape(words.heading('period', loc))}: {data.start} — {data.end}</p>",
        f'<p class="summary">{escape(words.summary(data))}</p>',
    ]
    if data.imported_included:
        parts.append(f"<p>{escape(words.heading('imported', loc))}</p>")

    def section(key: str, html: str) -> None:
        parts.append(f"<h2>{escape(words.heading(key, loc))}</h2>{html}")

    section("by_channel", _counts(data.appeals_by_channel, loc))
    section("by_partner", _counts(data.appeals_by_partner, loc))
    section("by_priority", _counts(data.incidents_by_priority, loc))
    section("by_category", _counts(data.incidents_by_category, loc))
    titles = {"": "intervals", "priority": "intervals_priority", "district": "intervals_district"}
    for table in data.intervals:
        section(titles.get(table.dimension, "intervals"), _intervals(table, loc))
    section("heatmap", _image(charts.heatmap_png(data), words.heading("heatmap", loc)))
    if data.trend:
        section("trend", _image(charts.trend_png(data), words.heading("trend", loc)))
    if data.data_quality:
        header = [words.column("label", loc), words.column("count", loc)]
        section("quality", _table(header, [[k, words.number(v, loc)] for k, v in data.data_quality]))
    parts.append("</body></html>")
    return "".join(parts)
