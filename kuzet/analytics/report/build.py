"""A period report (a year, a month, any dates) assembled from the analytics engine, in one language.

Every figure comes from the same engine as the console's analytics API, so the report and the screen agree.
The previous period is the one of the same length just before (the year before a year report).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kuzet.analytics.domain import (
    RESPONSE,
    DataQuality,
    Dimension,
    DimensionKey,
    FilterValue,
    GroupRow,
    IntervalSummary,
    Measure,
    Origin,
    Query,
)
from kuzet.analytics.report import html
from kuzet.analytics.report import text as words
from kuzet.analytics.report.model import (
    Count,
    IntervalFigures,
    IntervalTable,
    JointSection,
    MonthTrend,
    ReportData,
)
from kuzet.analytics.service import Analytics

FORMATS = ("html", "xlsx", "pdf")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Labels:
    """Names to print instead of codes: categories (per language), partners, districts."""

    categories: Mapping[str, Mapping[str, str]]
    partners: Mapping[str, str]
    districts: Mapping[str, str]


def previous_period(first: date, last: date) -> tuple[date, date]:
    if first.month == 1 and first.day == 1 and (last.month, last.day) == (12, 31):
        return first.replace(year=first.year - 1), last.replace(year=last.year - 1)
    length = last - first
    end = first - timedelta(days=1)
    return end - length, end


def _figures(name: str, s: IntervalSummary, label: str = "") -> IntervalFigures:
    return IntervalFigures(
        name,
        s.n,
        s.mean,
        s.median,
        s.p90,
        s.minimum,
        s.maximum,
        s.within_target_pct,
        s.missing,
        s.negative,
        label,
    )


class _Period:
    """The queries of one report: its period (or another), origin and district filter."""

    def __init__(self, first: date, last: date, origin: Origin, district: str | None) -> None:
        self.first, self.last, self.origin = first, last, origin
        self.filters: dict[DimensionKey, tuple[FilterValue, ...]] = (
            {Dimension.DISTRICT: (district,)} if district else {}
        )

    def query(self, *group_by: DimensionKey, period: tuple[date, date] | None = None) -> Query:
        first, last = period or (self.first, self.last)
        return Query(first, last, self.origin, self.filters, group_by)


def _counts(
    analytics: Analytics, query: Query, measure: Measure = Measure.INCIDENTS
) -> list[tuple[tuple[str | None, ...], int]]:
    rows = analytics.counts(query, measure).rows
    return [
        (
            tuple(None if r.group.get(str(d)) is None else str(r.group.get(str(d))) for d in query.group_by),
            r.count,
        )
        for r in rows
    ]


def build(
    analytics: Analytics,
    *,
    first: date,
    last: date,
    locale: str,
    region: str,
    labels: Labels,
    origin: Origin = Origin.LIVE,
    district: str | None = None,
    joint: JointSection | None = None,
) -> ReportData:
    period = _Period(first, last, origin, district)
    before = previous_period(first, last)
    names = analytics.interval_names
    label = _labels(analytics, locale)
    report = analytics.intervals(
        period.query(), names, groupings=[(), (Dimension.PRIORITY,), (Dimension.DISTRICT,)]
    )
    categories = {code: n.get(locale) or n.get("ru") or code for code, n in labels.categories.items()}
    heat = [[0] * 24 for _ in range(7)]
    for (weekday, hour), count in _counts(analytics, period.query(Dimension.WEEKDAY, Dimension.HOUR)):
        if weekday is not None and hour is not None:
            heat[int(weekday) - 1][int(hour)] += count
    appeals_by = {
        d: _counts(analytics, period.query(d), Measure.APPEALS)
        for d in (Dimension.CHANNEL, Dimension.PARTNER)
    }
    return ReportData(
        region=region,
        locale=locale,
        start=first,
        end=last,
        incidents=analytics.counts(period.query()).total,
        appeals=analytics.counts(period.query(), Measure.APPEALS).total,
        previous_incidents=analytics.counts(period.query(period=before)).total or None,
        appeals_by_channel=[
            Count(words.channel_name(k[0] or "", locale), n) for k, n in appeals_by[Dimension.CHANNEL]
        ],
        appeals_by_partner=[
            Count(labels.partners.get(k[0], k[0]), n) for k, n in appeals_by[Dimension.PARTNER] if k[0]
        ],
        incidents_by_category=[
            Count(categories.get(k[0] or "", k[0] or "–"), n)
            for k, n in sorted(_counts(analytics, period.query(Dimension.CATEGORY)), key=lambda r: -r[1])
        ],
        incidents_by_priority=[
            Count(words.priority_name(k[0] or "–", locale), n)
            for k, n in sorted(_counts(analytics, period.query(Dimension.PRIORITY)), key=lambda r: str(r[0]))
        ],
        intervals=[_table(t.group_by, t.rows, names, labels, locale, label) for t in report.tables],
        heatmap=heat,
        trend=_trend(analytics, period, before),
        data_quality=_quality(report.data_quality, locale, label),
        imported_included=origin is not Origin.LIVE,
        joint=joint,
        district=labels.districts.get(district, district) if district else None,
        origin=origin.value,
        targets=_targets(analytics, locale, label),
    )


def _labels(analytics: Analytics, locale: str) -> dict[str, str]:
    """Each interval's name as printed: a custom one's own name in the language, else the built-in one."""
    return {
        i.name: i.name_in(locale) or words.interval_name(i.name, locale) for i in analytics.engine.intervals
    }


def _targets(analytics: Analytics, locale: str, label: Mapping[str, str]) -> list[tuple[str, str]]:
    targets = []
    for name in analytics.interval_names:
        minutes = analytics.engine.targets.minutes(name)
        if minutes:
            target = dict(minutes) if isinstance(minutes, Mapping) else minutes
            targets.append((label.get(name, name), words.target_text(target, locale)))
    return targets


def _table(
    group_by: tuple[DimensionKey, ...],
    rows: Sequence[GroupRow],
    names: Sequence[str],
    labels: Labels,
    locale: str,
    label: Mapping[str, str],
) -> IntervalTable:
    dimension = group_by[0] if group_by else None

    def name(row: GroupRow) -> str:
        if dimension is None:
            return ""
        value = row.group.get(str(dimension))
        if value is None:
            return "–"
        if dimension == Dimension.PRIORITY:
            return words.priority_name(str(value), locale)
        return labels.districts.get(str(value), str(value))

    return IntervalTable(
        str(dimension) if dimension else "",
        [
            (name(r), [_figures(n, r.intervals[n], label.get(n, "")) for n in names if n in r.intervals])
            for r in rows
        ],
    )


def _quality(quality: DataQuality, locale: str, label: Mapping[str, str]) -> list[tuple[str, int]]:
    lines = [
        (words.t(words.QUALITY_MERGED, locale), quality.merged_excluded),
        (words.t(words.QUALITY_REOPENED, locale), quality.reopened),
    ]
    for interval, q in quality.intervals.items():
        named = label.get(interval) or words.interval_name(interval, locale)
        lines.append((words.t(words.QUALITY_MISSING, locale, interval=named), q.missing))
        lines.append((words.t(words.QUALITY_NEGATIVE, locale, interval=named), q.negative))
    return lines


def _shift(month: str, months: int) -> str:
    year, number = (int(x) for x in month.split("-"))
    index = year * 12 + number - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _trend(analytics: Analytics, period: _Period, before: tuple[date, date]) -> list[MonthTrend]:
    """Incidents per month, beside the matching month of the previous period, with the median response."""
    gap = (period.first.year - before[0].year) * 12 + period.first.month - before[0].month
    now = dict(_counts(analytics, period.query(Dimension.MONTH)))
    then = dict(_counts(analytics, period.query(Dimension.MONTH, period=before)))
    medians = analytics.intervals(period.query(Dimension.MONTH), [RESPONSE]).tables[0].rows
    median_of = {str(r.group.get("month")): r.intervals[RESPONSE].median for r in medians}
    return [
        MonthTrend(key[0], count, then.get((_shift(key[0], -gap),)), median_of.get(key[0]))
        for key, count in sorted(now.items(), key=lambda item: str(item[0][0]))
        if key[0] is not None
    ]


def render(data: ReportData, fmt: str) -> bytes:
    # reportlab and openpyxl (and matplotlib, for the charts): imported when a report is made in that format.
    if fmt == "pdf":
        from kuzet.analytics.report import pdf

        return pdf.render(data)
    if fmt == "xlsx":
        from kuzet.analytics.report import xlsx

        return xlsx.render(data)
    return html.render(data).encode()
