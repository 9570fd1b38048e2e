"""The words of a report in ru, kk or en: headings, labels, numbers, durations and the summary paragraph."""

from __future__ import annotations

from babel.dates import format_date
from babel.numbers import format_decimal

from kuzet.analytics.report.model import Count, IntervalTable, ReportData
from kuzet.core.i18n import N_, translate

HEADINGS = {
    "title": N_("Operations Control Center report"),
    "period": N_("Period"),
    "region": N_("Region"),
    "summary": N_("Summary"),
    "totals": N_("Totals"),
    "incidents": N_("Incidents"),
    "appeals": N_("Appeals"),
    "by_channel": N_("Appeals by channel"),
    "by_partner": N_("Appeals through the «Закон и порядок» apps"),
    "by_category": N_("Incidents by category"),
    "by_priority": N_("Incidents by priority"),
    "intervals": N_("Response intervals"),
    "intervals_priority": N_("Response intervals by priority"),
    "intervals_district": N_("Response intervals by district"),
    "heatmap": N_("Busiest hours (incidents by hour and weekday, local time)"),
    "trend": N_("Trend by month"),
    "quality": N_("Data quality"),
    "imported": N_("Includes incidents imported from an earlier system."),
}
COLUMNS = {
    "group": N_("Group"),
    "interval": N_("Interval"),
    "n": N_("Count"),
    "mean": N_("Mean"),
    "median": N_("Median"),
    "p90": N_("90th percentile"),
    "min": N_("Minimum"),
    "max": N_("Maximum"),
    "within": N_("Within target, %"),
    "excluded": N_("Excluded (missing / negative)"),
    "label": N_("Item"),
    "count": N_("Count"),
    "month": N_("Month"),
    "previous": N_("Previous period"),
    "median_response": N_("Median response"),
    "hour": N_("Hour"),
}
INTERVALS = {
    "call_processing": N_("Call processing"),
    "turnout": N_("Turnout"),
    "travel": N_("Travel"),
    "response": N_("Response (total)"),
}
CHANNELS = {
    "phone_102": N_("102 line"),
    "partner_app": N_("«Закон и порядок» apps"),
    "walk_in": N_("Walk-in"),
    "agency": N_("Other services"),
}
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
PRIORITY = N_("Priority {n}")
QUALITY_MERGED = N_("Incidents merged into another (counted there)")
QUALITY_REOPENED = N_("Incidents reopened (counted once, with their first stamps)")
QUALITY_MISSING = N_("{interval}: excluded, a time is missing")
QUALITY_NEGATIVE = N_("{interval}: excluded, negative")
MINUTES_SECONDS = N_("{minutes} min {seconds} s")
SUMMARY = N_(
    "From {start} to {end} the centre registered {appeals} appeals, which made {incidents} incidents."
)
SUMMARY_APPS = N_("{app_appeals} appeals came through the apps, most of them through {top_partner}.")
SUMMARY_RESPONSE = N_(
    "The average response time was {mean} (median {median}, 90 % within {p90}); {within} % of incidents "
    "were reached within the target."
)
SUMMARY_NO_RESPONSE = N_("No incident of the period has both its received and on-scene times.")
SUMMARY_TREND = N_("That is {change} % against the previous period ({previous} incidents).")


# The heading of each interval table, by what it is grouped by ('' for the whole period).
TABLE_HEADINGS = {"": "intervals", "priority": "intervals_priority", "district": "intervals_district"}
Cells = tuple[list[str], list[list[str]]]  # a table's header and rows, as printed


def t(message: str, locale: str, **params: object) -> str:
    return translate(message, locale, **params)


def heading(key: str, locale: str) -> str:
    return t(HEADINGS[key], locale)


def column(key: str, locale: str) -> str:
    return t(COLUMNS[key], locale)


def interval_name(code: str, locale: str) -> str:
    return t(INTERVALS[code], locale) if code in INTERVALS else code


def channel_name(code: str, locale: str) -> str:
    return t(CHANNELS[code], locale) if code in CHANNELS else code


def priority_name(label: str, locale: str) -> str:
    return t(PRIORITY, locale, n=label)


def weekday(index: int, locale: str) -> str:
    return t(WEEKDAYS[index], locale)


def number(value: float | int, locale: str, digits: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale)


def clock(seconds: float | None) -> str:
    """A duration as m:ss (h:mm:ss past an hour); an empty cell when there is no figure."""
    if seconds is None:
        return "–"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def spoken(seconds: float, locale: str) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return t(MINUTES_SECONDS, locale, minutes=minutes, seconds=secs)


def table_heading(table: IntervalTable, locale: str) -> str:
    return heading(TABLE_HEADINGS.get(table.dimension, "intervals"), locale)


def count_cells(counts: list[Count] | list[tuple[str, int]], locale: str) -> Cells:
    """A two-column table of labels and counts, as printed in the page and the PDF."""
    pairs = [(c.label, c.count) if isinstance(c, Count) else c for c in counts]
    return [column("label", locale), column("count", locale)], [[k, number(n, locale)] for k, n in pairs]


def interval_cells(table: IntervalTable, locale: str) -> Cells:
    """One line per group and interval: count, the durations as m:ss, and the share within target."""
    keys = ("interval", "n", "mean", "median", "p90", "min", "max", "within")
    header = [column("group", locale)] + [column(k, locale) for k in keys]
    rows = []
    for group, figures in table.rows:
        for f in figures:
            within = "–" if f.within_target_pct is None else number(f.within_target_pct, locale, 1)
            times = [clock(v) for v in (f.mean_s, f.median_s, f.p90_s, f.min_s, f.max_s)]
            rows.append([group, interval_name(f.interval, locale), number(f.n, locale), *times, within])
    return header, rows


def summary(data: ReportData) -> str:
    """The headline figures in one paragraph, in the report's language."""
    loc = data.locale
    parts = [
        t(
            SUMMARY,
            loc,
            start=format_date(data.start, format="long", locale=loc),
            end=format_date(data.end, format="long", locale=loc),
            appeals=number(data.appeals, loc),
            incidents=number(data.incidents, loc),
        )
    ]
    app_appeals = sum(c.count for c in data.appeals_by_partner)
    if app_appeals:
        top = max(data.appeals_by_partner, key=lambda c: c.count)
        parts.append(t(SUMMARY_APPS, loc, app_appeals=number(app_appeals, loc), top_partner=top.label))
    response = data.overall("response")
    if response is not None and response.n and response.mean_s is not None:
        parts.append(
            t(
                SUMMARY_RESPONSE,
                loc,
                mean=spoken(response.mean_s, loc),
                median=spoken(response.median_s or 0.0, loc),
                p90=spoken(response.p90_s or 0.0, loc),
                within=number(response.within_target_pct or 0.0, loc, 1),
            )
        )
    else:
        parts.append(t(SUMMARY_NO_RESPONSE, loc))
    if data.previous_incidents:
        change = (data.incidents - data.previous_incidents) / data.previous_incidents * 100
        sign = "+" if change > 0 else ""
        parts.append(
            t(
                SUMMARY_TREND,
                loc,
                change=sign + number(change, loc, 1),
                previous=number(data.previous_incidents, loc),
            )
        )
    return " ".join(parts)
