"""Where the tests find real data written by others.

Two kinds:
- Carried test data (`tests/data/`): the OSM extracts (ODbL) and the CAP schemas and examples (Apache-2.0,
  MPL-1.1), copied unchanged into the repository; their origins, licences and checksums are listed in
  `tests/data/README.md`. A fresh clone has them, so a missing file fails the test, never skips it.
- Shared-only material (EIDO, UCRI): it has no licence, so it is read in place from the shared folder and
  never copied. KUZET_REFERENCE_DATA names that folder; else it is looked for as `shared/reference-data` in a
  folder above the clone (`../shared/reference-data`). Tests that need it carry the `shared_reference` marker;
  without the folder they are not run (tests/shared_reference.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TEST_DATA = Path(__file__).resolve().parent / "data"
# The shared folder as a person would look for it; printed when it is missing.
SHARED_DEFAULT = "../shared/reference-data"


def carried(relative: str) -> Path:
    """A file of the carried test data by its path under tests/data; a missing one fails the test."""
    path = TEST_DATA / relative
    if not path.is_file():
        pytest.fail(f"carried test data {path} is missing (see tests/data/README.md)")
    return path


def osm_extract(name: str) -> Path:
    """A real OSM extract by file name (andorra.osm.pbf, say), from tests/data/osm."""
    return carried(f"osm/{name}")


def cap_file(relative: str) -> Path:
    """A CAP schema or alert under tests/data/cap: `schema/CAP-v1.2.xsd`, `examples/google-xee.cap`."""
    return carried(f"cap/{relative}")


def cap_examples() -> list[Path]:
    """Every carried CAP alert, sorted: valid ones, `*invalid*` and `*errors*` ones, the XXE sample."""
    examples = sorted(path for path in (TEST_DATA / "cap" / "examples").glob("*") if path.is_file())
    if not examples:
        pytest.fail(f"no carried CAP examples in {TEST_DATA / 'cap' / 'examples'}")
    return examples


def shared_reference_location() -> str:
    """Where the shared folder is looked for, as shown to a person."""
    return os.environ.get("KUZET_REFERENCE_DATA") or SHARED_DEFAULT


def find_shared_reference_data() -> Path | None:
    """The shared reference folder (EIDO, UCRI), or None when it is not there."""
    named = os.environ.get("KUZET_REFERENCE_DATA")
    if named:
        return Path(named) if Path(named).is_dir() else None
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "reference-data"
        if candidate.is_dir():
            return candidate
    return None


def shared_reference_data() -> Path:
    """The shared reference folder, for tests marked `shared_reference` (they are not run without it)."""
    found = find_shared_reference_data()
    if found is None:
        pytest.fail(
            f"shared reference data not found ({shared_reference_location()}): "
            "a test that reads it must carry the shared_reference marker"
        )
    return found


def shared_file(relative: str) -> Path:
    """A shared-only file by its path under the shared folder (`eido/openapi.yaml`, say); missing fails."""
    path = shared_reference_data() / relative
    if not path.is_file():
        pytest.fail(f"shared reference file {path} is missing")
    return path
