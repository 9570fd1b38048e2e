"""The words of a report in ru, kk or en: headings, labels, numbers, durations and the summary paragraph."""

from __future__ import annotations

import calendar

from babel.dates import format_date
from babel.numbers import format_decimal

from kuzet.analytics.report.model import Count, IntervalTable, ReportData
from kuzet.core.i18n import N_, NP_, translate, translate_plural

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
    "missing": N_("Excluded: time missing"),
    "negative": N_("Excluded: negative"),
}
# A column of durations in minutes (the workbook's), e.g. "Median, min".
IN_MINUTES = N_("{column}, min")
# Workbook sheet names: short titles of their own, at most 31 characters in every language (Excel's limit),
# never cut (tests/analytics/test_report_languages.py holds every translation to it).
SHEETS = {
    "summary": N_("Summary"),
    "by_channel": N_("By channel"),
    "by_partner": N_("Partner apps"),
    "by_category": N_("By category"),
    "by_priority": N_("By priority"),
    "intervals": N_("Intervals"),
    "intervals_priority": N_("Intervals by priority"),
    "intervals_district": N_("Intervals by district"),
    "heatmap": N_("By hour"),
    "trend": N_("Monthly trend"),
    "quality": N_("Data quality"),
    "joint": N_("Hand-overs to services"),
    "joint_intervals": N_("Intervals of services"),
}
SHEET_NAME_LIMIT = 31
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
    "camera": N_("CCTV cameras"),
}
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
PRIORITY = N_("Priority {n}")
QUALITY_MERGED = N_("Incidents merged into another (counted there)")
QUALITY_REOPENED = N_("Incidents reopened (counted once, with their first stamps)")
QUALITY_MISSING = N_("{interval}: excluded, a time is missing")
QUALITY_NEGATIVE = N_("{interval}: excluded, negative")
MINUTES_SECONDS = N_("{minutes} min {seconds} s")
# Counted sentences agree with their number (ru: 1 обращение, 2 обращения, 5 обращений): NP_ and ngettext.
SUMMARY_APPEALS = NP_(
    "From {start} to {end} the centre registered {n} appeal.",
    "From {start} to {end} the centre registered {n} appeals.",
)
SUMMARY_INCIDENTS = NP_("They led to {n} incident.", "They led to {n} incidents.")
SUMMARY_APPS = NP_(
    "{n} appeal came through the apps, through {top_partner}.",
    "{n} appeals came through the apps, most of them through {top_partner}.",
)
SUMMARY_RESPONSE = N_(
    "The average response time was {mean} (median {median}, 90 % within {p90}); {within} % of incidents "
    "were reached within the target."
)
SUMMARY_NO_RESPONSE = N_("No incident of the period has both its received and on-scene times.")
SUMMARY_TREND = NP_(
    "That is {change} % against the previous period ({n} incident).",
    "That is {change} % against the previous period ({n} incidents).",
)


# The title says what the report is over: its period, its district and the data's origin.
TITLE_YEAR = N_("Report for {year}")
TITLE_MONTH = N_("Report for {month}")
TITLE_DAYS = N_("Report for {start} – {end}")
TITLE_DISTRICT = N_("district {name}")
DISTRICT_WORD = N_("district")  # as a district's own name may have it: "Central district", "Орталық аудан"
TITLE_IMPORTED = N_("imported data")
TITLE_ALL = N_("live and imported data")
TITLE_SOURCES = N_("{origin} (source {sources})")
TARGETS = N_("Targets")
TARGET_MINUTES = N_("{minutes} min")
TARGET_BY_PRIORITY = N_("priority {n}: {minutes} min")


# The heading of each interval table, by what it is grouped by ('' for the whole period).
TABLE_HEADINGS = {"": "intervals", "priority": "intervals_priority", "district": "intervals_district"}
Cells = tuple[list[str], list[list[str]]]  # a table's header and rows, as printed


def t(message: str, locale: str, **params: object) -> str:
    return translate(message, locale, **params)


def counted(message: tuple[str, str], count: int, locale: str, **params: object) -> str:
    """A counted sentence in the form that agrees with `count`, printed with the locale's grouping."""
    return translate_plural(message, count, locale, n=number(count, locale), **params)


def sheet_name(key: str, locale: str) -> str:
    """The sheet's short title; were a translation ever too long for Excel, the English one (never cut)."""
    title = t(SHEETS[key], locale)
    return title if len(title) <= SHEET_NAME_LIMIT else SHEETS[key]


def minutes_column(key: str, locale: str) -> str:
    return t(IN_MINUTES, locale, column=column(key, locale))


def heading(key: str, locale: str) -> str:
    return t(HEADINGS[key], locale)


def column(key: str, locale: str) -> str:
    return t(COLUMNS[key], locale)


def title(data: ReportData) -> str:
    """ "Report for March 2026 — district Central — imported data (source …)": what the report is over."""
    loc, first, last = data.locale, data.start, data.end
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year:
        parts = [t(TITLE_YEAR, loc, year=first.year)]
    elif (
        first.day == 1
        and (first.year, first.month) == (last.year, last.month)
        and last.day == calendar.monthrange(last.year, last.month)[1]
    ):
        parts = [t(TITLE_MONTH, loc, month=format_date(first, "LLLL y", locale=loc))]
    else:
        shown = (format_date(d, "short", locale=loc) for d in (first, last))
        parts = [t(TITLE_DAYS, loc, **dict(zip(("start", "end"), shown, strict=True)))]
    if data.district:
        # "district Central", but a name that says it is a district already ("Central district") as it is.
        word = t(DISTRICT_WORD, loc).lower()
        named = data.district if word in data.district.lower() else t(TITLE_DISTRICT, loc, name=data.district)
        parts.append(named)
    if data.origin != "live":
        origin = t(TITLE_IMPORTED if data.origin == "imported" else TITLE_ALL, loc)
        if data.sources:
            origin = t(TITLE_SOURCES, loc, origin=origin, sources=", ".join(data.sources))
        parts.append(origin)
    return " — ".join(parts)


def target_text(minutes: float | dict[int, float], locale: str) -> str:
    """A target as printed: one for all incidents, or the response's per priority."""
    if isinstance(minutes, dict):
        return "; ".join(
            t(TARGET_BY_PRIORITY, locale, n=p, minutes=number(m, locale, 0 if m == int(m) else 1))
            for p, m in sorted(minutes.items())
        )
    return t(TARGET_MINUTES, locale, minutes=number(minutes, locale, 0 if minutes == int(minutes) else 1))


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


def table_key(table: IntervalTable) -> str:
    """The key of an interval table's heading and sheet, by what it is grouped by."""
    return TABLE_HEADINGS.get(table.dimension, "intervals")


def table_heading(table: IntervalTable, locale: str) -> str:
    return heading(table_key(table), locale)


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
            named = f.label or interval_name(f.interval, locale)
            rows.append([group, named, number(f.n, locale), *times, within])
    return header, rows


def summary(data: ReportData) -> str:
    """The headline figures in one paragraph, in the report's language."""
    loc = data.locale
    parts = [
        counted(
            SUMMARY_APPEALS,
            data.appeals,
            loc,
            start=format_date(data.start, format="long", locale=loc),
            end=format_date(data.end, format="long", locale=loc),
        ),
        counted(SUMMARY_INCIDENTS, data.incidents, loc),
    ]
    app_appeals = sum(c.count for c in data.appeals_by_partner)
    if app_appeals:
        top = max(data.appeals_by_partner, key=lambda c: c.count)
        parts.append(counted(SUMMARY_APPS, app_appeals, loc, top_partner=top.label))
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
            counted(SUMMARY_TREND, data.previous_incidents, loc, change=sign + number(change, loc, 1))
        )
    return " ".join(parts)
