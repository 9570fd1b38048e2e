"""The period report's section "Camera coverage of incidents": the share of the period's incidents seen by at
least one camera online at the time, by month and by district, the others by reason; its words and tables in
the report's language for every output (HTML, PDF, XLSX). Made from `coverage_service` by the report's use
case; the report's renderers print it when it is there."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Final

from kuzet.analytics.report import text as words
from kuzet.cctv.coverage import NOT_SEEN, CoverageRow
from kuzet.cctv.coverage_section import CoverageLine, CoverageSection
from kuzet.core.i18n import N_

if TYPE_CHECKING:
    from kuzet.container import Services

HEADING: Final = N_("Camera coverage of incidents")
HEADING_DISTRICT: Final = N_("Camera coverage by district")
NOTE: Final = N_(
    "Seen: by at least one camera online at the incident's time (its heartbeats; without them, its status in "
    "the registry), with the incident's place in its view and no building in the way. Incidents without a "
    "place are left out: {n}."
)
NONE: Final = N_("No incidents with a place in the period.")
SHEET: Final = N_("Camera coverage")
COLUMNS: Final = {
    "month": N_("Month"),
    "district": N_("District"),
    "incidents": N_("Incidents"),
    "seen": N_("Seen"),
    "share": N_("Share seen, %"),
}
REASONS: Final = {
    "camera_offline": N_("Camera offline"),
    "blocked": N_("Blocked by a building"),
    "out_of_view": N_("Out of view"),
    "no_camera_near": N_("No camera near"),
}
TOTAL: Final = N_("Total")
NO_DISTRICT: Final = N_("No district")


def _line(label: str, row: CoverageRow) -> CoverageLine:
    return CoverageLine(label, row.incidents, row.seen, row.share, dict(row.not_seen))


def heading(locale: str, *, by_district: bool = False) -> str:
    return words.t(HEADING_DISTRICT if by_district else HEADING, locale)


def note(section: CoverageSection, locale: str) -> str:
    if not section.by_month or not section.by_month[-1].incidents:
        return words.t(NONE, locale)
    return words.t(NOTE, locale, n=words.number(section.left_out, locale))


def sheet_name(locale: str) -> str:
    title = words.t(SHEET, locale)
    return title if len(title) <= words.SHEET_NAME_LIMIT else SHEET


def header(first: str, locale: str) -> list[str]:
    return [
        words.t(COLUMNS[first], locale),
        *(words.t(COLUMNS[k], locale) for k in ("incidents", "seen", "share")),
        *(words.t(REASONS[v.label], locale) for v in NOT_SEEN),
    ]


def _share(line: CoverageLine, locale: str) -> str:
    return "—" if line.share is None else words.number(round(100 * line.share, 1), locale)


def cells(lines: list[CoverageLine], first: str, locale: str) -> words.Cells:
    rows = [
        [
            line.label,
            words.number(line.incidents, locale),
            words.number(line.seen, locale),
            _share(line, locale),
            *(words.number(line.not_seen[v.label], locale) for v in NOT_SEEN),
        ]
        for line in lines
    ]
    return header(first, locale), rows


def values(line: CoverageLine) -> list[object]:
    """A workbook row: numbers as numbers, the share in per cent."""
    share = None if line.share is None else round(100 * line.share, 2)
    return [line.label, line.incidents, line.seen, share, *(line.not_seen[v.label] for v in NOT_SEEN)]


def section(
    services: Services,
    *,
    first: date,
    last: date,
    locale: str,
    district: str | None,
    district_names: Mapping[str, str],
) -> CoverageSection:
    """The section over the live incidents received in the period (of the district)."""
    from kuzet.cctv import coverage_service
    from kuzet.cctv.buildings_osm import load_buildings
    from kuzet.cctv.coverage_store import CoverageSelection
    from kuzet.cctv.visibility import LocalProjection

    settings = services.settings
    projection = LocalProjection.around(settings.region_bbox)
    chosen = CoverageSelection(first, last, districts=(district,) if district else ())
    coverage = coverage_service.assess(
        services.uow(),
        chosen,
        buildings=load_buildings(settings.buildings_file, projection),
        projection=projection,
        now=services.clock.now(),
        offline_after=timedelta(seconds=settings.cctv_offline_seconds),
    )
    months = coverage_service.coverage_table(coverage, coverage_service.Group.MONTH)
    districts = coverage_service.coverage_table(coverage, coverage_service.Group.DISTRICT)
    total = words.t(TOTAL, locale)

    def district_name(key: object) -> str:
        return words.t(NO_DISTRICT, locale) if key is None else district_names.get(str(key), str(key))

    return CoverageSection(
        by_month=[_line(str(r.key), r) for r in months.rows] + [_line(total, months.total)],
        by_district=[_line(district_name(r.key), r) for r in districts.rows],
        left_out=coverage.incidents.without_point,
    )
