"""The report as a PDF (reportlab), with charts drawn by matplotlib.

Text is set in DejaVu Sans, which matplotlib ships, so Cyrillic and the Kazakh letters (ә, ғ, қ, ң, ө, ұ,
ү, һ, і) print without any font from outside the package.
"""

from __future__ import annotations

from functools import cache
from html import escape
from io import BytesIO
from pathlib import Path

import matplotlib as mpl
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus.flowables import Flowable

from kuzet.analytics.report import charts, joint
from kuzet.analytics.report import text as words
from kuzet.analytics.report.model import ReportData
from kuzet.analytics.report.pdf_table import fitted_table

FONT, BOLD = "KuzetSans", "KuzetSans-Bold"
MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN  # what a table may take: the page less its margins


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


def _image(png: bytes, width_mm: float, height_mm: float) -> Image:
    return Image(BytesIO(png), width=width_mm * mm, height=height_mm * mm)


def _cells(cells: words.Cells, text_columns: int = 1) -> Table:
    header, rows = cells
    return fitted_table(header, rows, WIDTH, font=FONT, bold=BOLD, text_columns=text_columns)


def render(data: ReportData) -> bytes:
    _fonts()
    loc, style = data.locale, _styles()
    story: list[Flowable] = [
        Paragraph(escape(words.heading("title", loc)), style["body"]),
        Paragraph(escape(words.title(data)), style["title"]),
        Paragraph(f"{words.heading('region', loc)}: {data.region}", style["body"]),
        Paragraph(f"{words.heading('period', loc)}: {data.start} — {data.end}", style["body"]),
        Spacer(1, 4 * mm),
        Paragraph(words.summary(data), style["body"]),
    ]
    if data.imported_included:
        story.append(Paragraph(words.heading("imported", loc), style["body"]))
    if data.targets:
        targets = "; ".join(f"{n}: {v}" for n, v in data.targets)
        story.append(Paragraph(escape(f"{words.t(words.TARGETS, loc)}: {targets}"), style["body"]))

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
        section(words.table_heading(table, loc), _cells(words.interval_cells(table, loc), text_columns=2))
    if data.joint is not None:
        section(joint.heading("joint", loc), Paragraph(joint.note(data.joint, loc), style["body"]))
        if data.joint.lines:
            story.extend([Spacer(1, 2 * mm), _cells(joint.count_cells(data.joint, loc), text_columns=2)])
            section(
                joint.heading("joint_intervals", loc),
                _cells(joint.interval_cells(data.joint, loc), text_columns=3),
            )
    if data.coverage is not None:
        from kuzet.cctv import coverage_report as cctv

        covered = data.coverage
        section(cctv.heading(loc), Paragraph(cctv.note(covered, loc), style["body"]))
        if covered.by_month[-1].incidents:
            story.extend([Spacer(1, 2 * mm), _cells(cctv.cells(covered.by_month, "month", loc))])
            section(
                cctv.heading(loc, by_district=True), _cells(cctv.cells(covered.by_district, "district", loc))
            )
    section(words.heading("heatmap", loc), _image(charts.heatmap_png(data), 170, 55))
    if data.trend:
        section(words.heading("trend", loc), _image(charts.trend_png(data), 170, 60))
    if data.data_quality:
        section(words.heading("quality", loc), _cells(words.count_cells(data.data_quality, loc)))
    out = BytesIO()
    title = words.title(data)
    SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, title=title).build(story)
    return out.getvalue()
