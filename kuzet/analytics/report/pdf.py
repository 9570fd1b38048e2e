"""The report as a PDF (reportlab), with charts drawn by matplotlib.

Text is set in DejaVu Sans, which matplotlib ships, so Cyrillic and the Kazakh letters (ә, ғ, қ, ң, ө, ұ,
ү, һ, і) print without any font from outside the package.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

import matplotlib as mpl
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from kuzet.analytics.report import charts
from kuzet.analytics.report import text as words
from kuzet.analytics.report.model import ReportData

FONT, BOLD = "KuzetSans", "KuzetSans-Bold"
WIDTH = A4[0] - 30 * mm


@cache
def _fonts() -> None:
    folder = Path(mpl.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20, spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13),
    }


def _table(rows: list[list[str]]) -> Table:
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("FONT", (0, 0), (-1, 0), BOLD, 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf5")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def _image(png: bytes, width_mm: float, height_mm: float) -> Image:
    return Image(BytesIO(png), width=width_mm * mm, height=height_mm * mm)


def _cells(cells: words.Cells) -> Table:
    header, rows = cells
    return _table([header, *rows])


def render(data: ReportData) -> bytes:
    _fonts()
    loc, style = data.locale, _styles()
    story: list[Flowable] = [
        Paragraph(words.heading("title", loc), style["title"]),
        Paragraph(f"{words.heading('region', loc)}: {data.region}", style["body"]),
        Paragraph(f"{words.heading('period', loc)}: {data.start} — {data.end}", style["body"]),
        Spacer(1, 4 * mm),
        Paragraph(words.summary(data), style["body"]),
    ]
    if data.imported_included:
        story.append(Paragraph(words.heading("imported", loc), style["body"]))

    def section(title: str, flowable: Flowable) -> None:
        story.extend([Paragraph(title, style["h2"]), flowable])

    for key, counts in (
        ("by_channel", data.appeals_by_channel),
        ("by_partner", data.appeals_by_partner),
        ("by_priority", data.incidents_by_priority),
        ("by_category", data.incidents_by_category[:20]),
    ):
        section(words.heading(key, loc), _cells(words.count_cells(counts, loc)))
    for table in data.intervals:
        section(words.table_heading(table, loc), _cells(words.interval_cells(table, loc)))
    section(words.heading("heatmap", loc), _image(charts.heatmap_png(data), 170, 55))
    if data.trend:
        section(words.heading("trend", loc), _image(charts.trend_png(data), 170, 60))
    if data.data_quality:
        section(words.heading("quality", loc), _cells(words.count_cells(data.data_quality, loc)))
    out = BytesIO()
    title = words.heading("title", loc)
    SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, title=title).build(story)
    return out.getvalue()
