"""Validation of EIDO documents against NENA's EIDO OpenAPI document (NENA911/EIDO-JSON,
`Schema/openapi.yaml`).

That document has no licence, so Kuzet does not carry it: `load_eido_schema()` reads it from where the
deployment keeps it. An OpenAPI 3.0 Schema Object is JSON Schema draft 4 (the Wright draft 00) with extra
annotation keywords, so it is checked with jsonschema's Draft 4 validator, with the `#/components/schemas/…`
references resolved inside the document itself.

The schema itself is defective in two ways that stop a validator; `EidoSchema` repairs a copy and records
each repair in `workarounds`, found by looking for the defect (so a fixed NENA document needs none):

1. **A count written as text.** `AgentType.agentRoleRegistryText` has `minItems: 1,` – YAML reads the stray
   comma into the string "1,", so the keyword is not an integer and the whole schema is invalid (jsonschema
   refuses it). Worked around: any count keyword (`minItems`, `maxItems`, `minLength`, `maxLength`,
   `minProperties`, `maxProperties`) whose value is digits followed by stray punctuation is read as those
   digits (here, 1, clearly what was meant).
2. **References to files that are not published.** `PersonInformationType.ncPersonComponent`,
   `OrganizationInformationType.ncOrganizationComponent`, `VehicleInformationType.ncVehicleComponent` and
   `ItemInformationType.ncItemType` refer to `NIEMComponents/nc.yaml`, and
   `VehicleInformationType.jCommercialVehicleComponent` to `NIEMComponents//j.yaml` (with a doubled slash);
   neither file is in the EIDO repository, so the references cannot be resolved and validating any document
   that has one of those properties fails. Worked around: each such reference is replaced by
   `{"type": "object"}`: the NIEM part must be a JSON object and is otherwise not checked.

Defects that do not stop validation are left as NENA wrote them: `AlternateValuesType` requires `TimeStamp`
and `Value` but declares `Timestamp` and `OtherValue` (no EIDO property refers to that type, so it never
applies); `ReferenceType` has no `type: object`; `$ref` and `$id` are also used as property names, which a
Draft 4 validator reads correctly as names inside `properties`.

Formats are checked: `date-time` as RFC 3339 (an offset is required), `uri` and `uri-reference` as RFC 3986,
`int32` as a 32-bit integer. Issues name the JSON path and never repeat the value, which may be personal data.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import yaml
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from kuzet.interagency.eido_json import RFC3339

ROOT_COMPONENT: Final = "EmergencyIncidentDataObjectType"
_BASE_URI: Final = "urn:nena:eido:openapi"
_COUNT_KEYWORDS: Final = ("minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties")
_STRAY_PUNCTUATION_COUNT: Final = re.compile(r"\s*(\d+)\s*[,;.]?\s*")
# RFC 3986: a scheme, then no white space, no control character and none of <>"{}|\^`.
_URI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]*")
_URI_REFERENCE: Final = re.compile(r"[^\s<>\"{}|\\^`\x00-\x1f\x7f]*")


@dataclass(frozen=True)
class Workaround:
    """One repair of the schema: where (a JSON pointer into the OpenAPI document), what was wrong, and what
    the repaired copy says instead."""

    pointer: str
    defect: str
    repair: str


@dataclass(frozen=True)
class EidoSchemaIssue:
    path: str  # JSON path in the EIDO document: $.agentComponent[0].agencyReference
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class EidoSchemaError(ValueError):
    def __init__(self, issues: tuple[EidoSchemaIssue, ...]) -> None:
        super().__init__("; ".join(str(issue) for issue in issues))
        self.issues = issues


def _pointer(parts: list[str | int]) -> str:
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _repair(node: Any, parts: list[str | int], found: list[Workaround]) -> Any:
    """A repaired copy of `node` (see the module's text for the two defects), noting each repair."""
    if isinstance(node, list):
        return [_repair(item, [*parts, index], found) for index, item in enumerate(node)]
    if not isinstance(node, Mapping):
        return node
    reference = node.get("$ref")
    # A `$ref` key whose value is a mapping is a property *named* "$ref" (ReferenceType), not a reference.
    if isinstance(reference, str) and not reference.startswith("#"):
        found.append(
            Workaround(
                _pointer(parts), f"refers to {reference}, which is not published", '{"type": "object"}'
            )
        )
        return {"type": "object"}
    repaired: dict[str, Any] = {}
    for key, value in node.items():
        count = _STRAY_PUNCTUATION_COUNT.fullmatch(value) if isinstance(value, str) else None
        if key in _COUNT_KEYWORDS and count is not None:
            found.append(
                Workaround(_pointer([*parts, key]), f"{key} is the text {value!r}", f"{key}: {int(count[1])}")
            )
            repaired[key] = int(count[1])
        else:
            repaired[key] = _repair(value, [*parts, key], found)
    return repaired


def _date_time(value: object) -> bool:
    if not isinstance(value, str) or not RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.upper())
    except ValueError:
        return False
    return True


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(_date_time)
    checker.checks("uri")(lambda value: not isinstance(value, str) or bool(_URI.fullmatch(value)))
    checker.checks("uri-reference")(
        lambda value: not isinstance(value, str) or bool(_URI_REFERENCE.fullmatch(value))
    )
    checker.checks("int32")(lambda value: not isinstance(value, int) or -(2**31) <= value < 2**31)
    return checker


def _message(error: ValidationError) -> str:
    """What is wrong, without the offending value."""
    rule, expected = error.validator, error.validator_value
    if rule == "required":
        return error.message  # "'name' is a required property": names only
    if rule == "type":
        return f"must be of type {expected}"
    if rule == "enum" and isinstance(expected, list):
        return f"must be one of {', '.join(str(value) for value in expected)}"
    if rule == "format":
        return f"must be a valid {expected}"
    if rule in _COUNT_KEYWORDS or rule in ("minimum", "maximum"):
        return f"breaks {rule} {expected}"
    return f"breaks the schema's {rule} rule"


class EidoSchema:
    """The EIDO schema, repaired, ready to validate documents."""

    def __init__(self, openapi: Mapping[str, Any]) -> None:
        found: list[Workaround] = []
        repaired = _repair(copy.deepcopy(dict(openapi)), [], found)
        if ROOT_COMPONENT not in repaired.get("components", {}).get("schemas", {}):
            raise ValueError(f"not the EIDO OpenAPI document: no components/schemas/{ROOT_COMPONENT}")
        self.workarounds: tuple[Workaround, ...] = tuple(found)
        registry: Registry[Any] = Registry().with_resource(
            _BASE_URI, Resource.from_contents(repaired, default_specification=DRAFT4)
        )
        root = {"$ref": f"{_BASE_URI}#/components/schemas/{ROOT_COMPONENT}"}
        for name, schema in repaired["components"]["schemas"].items():
            try:
                Draft4Validator.check_schema(schema)
            except Exception as error:
                raise ValueError(f"components/schemas/{name} is still not a valid schema: {error}") from None
        self._validator = Draft4Validator(root, registry=registry, format_checker=_format_checker())

    def issues(self, document: Any) -> tuple[EidoSchemaIssue, ...]:
        found = [
            EidoSchemaIssue(error.json_path, _message(error))
            for error in self._validator.iter_errors(document)
        ]
        return tuple(sorted(found, key=lambda issue: (issue.path, issue.message)))

    def validate(self, document: Any) -> None:
        issues = self.issues(document)
        if issues:
            raise EidoSchemaError(issues)


def load_eido_schema(openapi_yaml: Path) -> EidoSchema:
    """The schema from NENA's `openapi.yaml` at that path."""
    return EidoSchema(yaml.safe_load(openapi_yaml.read_text(encoding="utf-8")))
