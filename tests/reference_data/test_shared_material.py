"""The shared-only material (no licence, read in place from ../shared/reference-data, never copied) is usable:
the NENA EIDO OpenAPI document and its samples, and the UCRI hand-over schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, SchemaError
from jsonschema.validators import validator_for

from tests.reference import shared_file, shared_reference_data

pytestmark = pytest.mark.shared_reference

SCHEMA_REF = "#/components/schemas/"


def string_refs(node: Any) -> Iterator[str]:
    """Every `$ref` whose value is a reference. EIDO also uses `$ref` and `$id` as names of data fields (a
    known defect of the document): there the value is a property's schema, a mapping, not a reference."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from string_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from string_refs(value)


def test_eido_openapi_declares_its_component_schemas_and_its_own_references_resolve() -> None:
    document = yaml.safe_load(shared_file("eido/openapi.yaml").read_text(encoding="utf-8"))
    assert str(document["openapi"]).startswith("3.")
    schemas = document["components"]["schemas"]
    assert isinstance(schemas, dict)
    assert "EmergencyIncidentDataObjectType" in schemas
    refs = set(string_refs(document))
    local = {ref.removeprefix(SCHEMA_REF) for ref in refs if ref.startswith(SCHEMA_REF)}
    assert local, "the document references none of its own schemas"
    assert local - set(schemas) == set()
    # The other references point into NIEM component files (NIEMComponents/nc.yaml, j.yaml) that the shared
    # folder does not hold, so they cannot be resolved here; any other kind would be new.
    external = {ref for ref in refs if not ref.startswith(SCHEMA_REF)}
    assert {ref for ref in external if not ref.startswith("NIEMComponents/")} == set()


@pytest.mark.parametrize("sample", ["Sample_EIDO_2020.json", "Sample_call_transfer_EIDO.json"])
def test_eido_sample_is_a_json_object_with_its_id(sample: str) -> None:
    eido = json.loads(shared_file(f"eido/{sample}").read_text(encoding="utf-8"))
    assert isinstance(eido, dict)
    assert isinstance(eido.get("$id"), str) and eido["$id"]


def test_every_ucri_schema_is_a_valid_draft_2020_12_json_schema() -> None:
    paths = sorted((shared_reference_data() / "ucri2").rglob("*.schema.json"))
    assert len(paths) >= 20, "the UCRI schemas are missing from the shared folder"
    invalid: dict[str, str] = {}
    ids: dict[str, str] = {}
    for path in paths:
        name = path.relative_to(shared_reference_data()).as_posix()
        schema = json.loads(path.read_text(encoding="utf-8"))
        validator = validator_for(schema, default=None)
        if validator is not Draft202012Validator:
            invalid[name] = f"declares {schema.get('$schema')!r}, not draft 2020-12"
            continue
        try:
            validator.check_schema(schema)
        except SchemaError as error:
            invalid[name] = error.message
        if schema.get("$id") in ids:
            invalid[name] = f"$id already used by {ids[schema['$id']]}"
        ids[schema.get("$id", name)] = name
    assert invalid == {}
