"""Where the shared reference data (real OSM extracts, CAP, EIDO, UCRI) lives: read in place, never copied.

KUZET_REFERENCE_DATA names the folder; else it is looked for as ../shared/reference-data beside the clone.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def reference_data() -> Path:
    named = os.environ.get("KUZET_REFERENCE_DATA")
    if named:
        return Path(named)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "reference-data"
        if candidate.is_dir():
            return candidate
    raise RuntimeError("the shared reference data was not found: set KUZET_REFERENCE_DATA")


def osm_extract(name: str) -> Path:
    """A real OSM extract by file name (andorra.osm.pbf, say); a missing one fails the test, never skips."""
    path = reference_data() / "osm" / name
    if not path.is_file():
        pytest.fail(f"reference extract {path} is missing")
    return path
