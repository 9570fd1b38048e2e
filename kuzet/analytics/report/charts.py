"""The report's charts as PNG images, drawn by matplotlib without a screen or pyplot's global state."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from kuzet.analytics.report import text as words
from kuzet.analytics.report.model import ReportData


def _png(draw: Callable[[Axes], None], width_mm: float, height_mm: float) -> bytes:
    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=150)
    draw(fig.subplots())
    fig.tight_layout()
    buffer = BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def heatmap_png(data: ReportData) -> bytes:
    """Incidents by local hour (columns) and weekday (rows)."""
    loc = data.locale

    def draw(ax: Axes) -> None:
        ax.imshow(data.heatmap, aspect="auto", cmap="Blues")
        ax.set_yticks(range(7), [words.weekday(d, loc) for d in range(7)], fontsize=7)
        ax.set_xticks(range(0, 24, 2), [str(h) for h in range(0, 24, 2)], fontsize=7)
        ax.set_xlabel(words.column("hour", loc), fontsize=7)

    return _png(draw, 170, 55)


def trend_png(data: ReportData) -> bytes:
    """Incidents by month, with the same months of the previous period when known."""
    loc = data.locale

    def draw(ax: Axes) -> None:
        months = [m.month for m in data.trend]
        ax.plot(months, [m.incidents for m in data.trend], marker="o", label=words.heading("incidents", loc))
        previous = [m.previous_incidents for m in data.trend]
        if any(p is not None for p in previous):
            ax.plot(months, [p or 0 for p in previous], linestyle="--", label=words.column("previous", loc))
        ax.tick_params(labelsize=7)
        ax.tick_params(axis="x", labelrotation=45)
        ax.legend(fontsize=7)

    return _png(draw, 170, 60)
