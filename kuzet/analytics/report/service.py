"""Use case: make a period report file (HTML, XLSX or PDF) in one language, for the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from kuzet.analytics.domain import Origin, period_problems
from kuzet.analytics.report.build import FORMATS, MEDIA_TYPES, Labels, build, render
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
    data = build(
        services.analytics,
        first=first,
        last=last,
        locale=locale,
        region=services.settings.region_name,
        labels=labels(services, locale),
        origin=origin,
        district=district,
    )
    name = f"kuzet-report-{first.isoformat()}-{last.isoformat()}-{locale}.{fmt}"
    return ReportFile(render(data, fmt), MEDIA_TYPES[fmt], name)
