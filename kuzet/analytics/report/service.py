"""Use case: make a period report file (HTML, XLSX or PDF) in one language, for the API and the CLI."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from kuzet.analytics import joint_store
from kuzet.analytics.cad.tables import cad_imports, imported_incidents
from kuzet.analytics.domain import Origin, period_problems
from kuzet.analytics.joint import Basis, JointSelection
from kuzet.analytics.report import joint
from kuzet.analytics.report.build import FORMATS, MEDIA_TYPES, Labels, build, render
from kuzet.analytics.report.model import JointSection
from kuzet.core.clock import LOCAL_TZ
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import LOCALES, N_
from kuzet.geo import service as geo
from kuzet.incidents import catalogue_service
from kuzet.partners.domain import KNOWN_PARTNERS

if TYPE_CHECKING:
    from kuzet.container import Services


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    media_type: str
    file_name: str


def labels(services: Services, locale: str) -> Labels:
    categories = catalogue_service.categories(services.uow(), include_inactive=True)
    districts = {}
    for feature in geo.district_map(services.uow()).get("features", []):
        props = feature.get("properties", {})
        name = props.get(f"name_{locale}") or props.get("name_ru") or props.get("code")
        districts[str(props.get("code"))] = str(name)
    return Labels(
        categories={c.code: dict(c.names) for c in categories},
        partners=dict(KNOWN_PARTNERS),
        districts=districts,
    )


def joint_section(
    services: Services, named: Labels, *, first: date, last: date, locale: str, district: str | None
) -> JointSection:
    """Joint response with other services over the hand-overs requested in the period (of the district)."""
    chosen = JointSelection(first, last, districts=(district,) if district else ())
    figures, agencies = joint_store.joint(
        services.uow(), chosen, basis=Basis.AGENCY, now=services.clock.now()
    )
    categories = {code: n.get(locale) or n.get("ru") or code for code, n in named.categories.items()}
    return joint.section(figures, agency_names=agencies, categories=categories, locale=locale)


def import_sources(services: Services, *, first: date, last: date, district: str | None) -> list[str]:
    """The sources (mapping names) of the imported incidents received in the period (of the district)."""
    start = datetime.combine(first, time.min, LOCAL_TZ).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, LOCAL_TZ).astimezone(UTC)
    incidents = imported_incidents.c
    chosen = (
        select(cad_imports.c.mapping_name)
        .distinct()
        .join(imported_incidents, incidents.import_id == cad_imports.c.id)
        .where(incidents.received_at >= start, incidents.received_at < end)
        .order_by(cad_imports.c.mapping_name)
    )
    if district:
        chosen = chosen.where(incidents.district == district)
    with services.uow() as uow:
        return [str(name) for name in uow.session.execute(chosen).scalars()]


def make(
    services: Services,
    *,
    first: date,
    last: date,
    fmt: str,
    locale: str,
    origin: Origin = Origin.LIVE,
    district: str | None = None,
) -> ReportFile:
    problems = []
    if fmt not in FORMATS:
        problems.append(
            FieldError(
                "format",
                N_("Use one of: {expected}."),
                "enum",
                "query",
                {"expected": ", ".join(FORMATS)},
            )
        )
    if locale not in LOCALES:
        problems.append(
            FieldError(
                "locale", N_("Use one of: {expected}."), "enum", "query", {"expected": ", ".join(LOCALES)}
            )
        )
    problems += period_problems(first, last)
    if problems:
        raise InvalidInput(problems)
    named = labels(services, locale)
    data = build(
        services.analytics,
        first=first,
        last=last,
        locale=locale,
        region=services.settings.region_name,
        labels=named,
        origin=origin,
        district=district,
        joint=joint_section(services, named, first=first, last=last, locale=locale, district=district),
    )
    from kuzet.cctv import coverage_report  # the visibility's libraries, for a report only

    covered = coverage_report.section(
        services, first=first, last=last, locale=locale, district=district, district_names=named.districts
    )
    sources = (
        [] if origin is Origin.LIVE else import_sources(services, first=first, last=last, district=district)
    )
    data = dataclasses.replace(data, coverage=covered, sources=sources)
    name = f"kuzet-report-{first.isoformat()}-{last.isoformat()}-{locale}.{fmt}"
    return ReportFile(render(data, fmt), MEDIA_TYPES[fmt], name)
