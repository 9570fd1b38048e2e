"""The test data the repository carries (tests/data) is exactly what tests/data/README.md lists: every file is
there with its recorded sha256, nothing is carried without a line, and each copy has the shared original's
bytes."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.reference import TEST_DATA, osm_extract, shared_reference_data

ROW = re.compile(r"^\| `(?P<file>[^`]+)` \|.*\| `(?P<sha256>[0-9a-f]{64})` \|$")
DEMO_MAP = Path(__file__).resolve().parents[2] / "kuzet" / "demo_map" / "andorra.osm.pbf"


def listed() -> dict[str, str]:
    """File (relative to tests/data) -> sha256, from the README's table."""
    rows = {}
    for line in (TEST_DATA / "README.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows[match["file"]] = match["sha256"]
    return rows


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_listed_file_is_carried_with_its_sha256() -> None:
    rows = listed()
    assert len(rows) >= 30, "the README's table lost rows (or its format changed)"
    missing = [name for name in rows if not (TEST_DATA / name).is_file()]
    assert missing == []
    changed = [name for name, digest in rows.items() if sha256(TEST_DATA / name) != digest]
    assert changed == []


def test_nothing_is_carried_without_its_origin_listed() -> None:
    carried = {
        path.relative_to(TEST_DATA).as_posix()
        for path in TEST_DATA.rglob("*")
        if path.is_file() and path.name != "README.md"
    }
    assert carried - set(listed()) == set()


def test_the_demo_map_is_the_carried_andorra_extract() -> None:
    assert DEMO_MAP.read_bytes() == osm_extract("andorra.osm.pbf").read_bytes()


@pytest.mark.shared_reference
def test_each_carried_copy_is_byte_identical_to_the_shared_original() -> None:
    shared = shared_reference_data()
    differing = [
        name
        for name in listed()
        if not (shared / name).is_file() or (shared / name).read_bytes() != (TEST_DATA / name).read_bytes()
    ]
    assert differing == []
