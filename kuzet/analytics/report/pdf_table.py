"""A report table laid out to fit the page's width in every language.

Column widths come from the content: a column is as wide as its widest figure and, while the page allows, its
header on one line. When the header row is too wide (Russian and Kazakh column names are long), headers wrap
at their words and text columns (groups, categories) wrap too; when even that is too wide, the font shrinks a
step at a time; at the smallest size the columns share the width in proportion and every cell wraps (a long
word split if it must). No column is ever dropped or cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table, TableStyle

FONT_SIZES = (8.0, 7.5, 7.0, 6.5, 6.0)
PADDING = 3.0  # left and right, points
LEFT: Final = 0  # reportlab.lib.enums.TA_LEFT and TA_RIGHT, as the literals its typing asks for
RIGHT: Final = 2
TEXT_SHARE = 0.2


@dataclass(frozen=True)
class Layout:
    """Column widths in points and the font size they were measured at."""

    widths: tuple[float, ...]
    font_size: float


def _width(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size) + 2 * PADDING


def _widest_word(text: str, font: str, size: float) -> float:
    return max((_width(word, font, size) for word in text.split()), default=2 * PADDING)


def layout(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    available: float,
    *,
    font: str,
    bold: str,
    text_columns: int = 1,
) -> Layout:
    """Widths that fit `available` points: the first `text_columns` columns may wrap their cells, the
    others (figures) keep each cell on one line until the smallest font."""
    columns = range(len(header))
    for size in FONT_SIZES:
        body = [max((_width(r[c], font, size) for r in rows), default=0.0) for c in columns]
        body_words = [
            max((_widest_word(r[c], font, size) for r in rows), default=0.0) if c < text_columns else body[c]
            for c in columns
        ]
        natural = [max(body[c], _width(header[c], bold, size)) for c in columns]
        if sum(natural) <= available:
            return Layout(tuple(natural), size)
        minimal = [max(body_words[c], _widest_word(header[c], bold, size)) for c in columns]
        # Short labels ("Priority 1") are better kept on one line: a text column first asks for its whole
        # width up to a fifth of the page, and gets its widest word only when that does not fit.
        roomy = [
            max(minimal[c], min(natural[c], available * TEXT_SHARE)) if c < text_columns else minimal[c]
            for c in columns
        ]
        for least in (roomy, minimal):
            if sum(least) <= available:
                spare, wanted = available - sum(least), sum(natural) - sum(least)
                grown = (m + spare * (n - m) / wanted for m, n in zip(least, natural, strict=True))
                return Layout(tuple(grown), size)
    # The smallest font and still too wide: every cell wraps, the columns share the page in proportion.
    size = FONT_SIZES[-1]
    minimal = [
        max(_widest_word(header[c], bold, size), *(_widest_word(r[c], font, size) for r in rows))
        for c in columns
    ]
    scale = available / sum(minimal)
    return Layout(tuple(m * scale for m in minimal), size)


def fitted_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    available: float,
    *,
    font: str,
    bold: str,
    text_columns: int = 1,
) -> Table:
    """The table as reportlab draws it: wrapping paragraphs in columns that fit `available` points."""
    fit = layout(header, rows, available, font=font, bold=bold, text_columns=text_columns)
    size, leading = fit.font_size, fit.font_size * 1.2

    def style(name: str, font_name: str, align: Literal[0, 2]) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font_name, fontSize=size, leading=leading, alignment=align)

    head, text, figure = style("th", bold, LEFT), style("td", font, LEFT), style("tdn", font, RIGHT)
    cells = [[Paragraph(escape(h), head) for h in header]]
    cells += [
        [Paragraph(escape(value), text if c < text_columns else figure) for c, value in enumerate(row)]
        for row in rows
    ]
    table = Table(cells, colWidths=list(fit.widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf5")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table
