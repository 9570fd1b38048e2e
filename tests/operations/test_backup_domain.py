"""The rules that judge a backup and a restore target, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kuzet.operations.domain import (
    FORMAT,
    BackupError,
    FileEntry,
    check_manifest,
    count_mismatches,
    file_mismatches,
    folder_name,
    non_empty_tables,
    parse_files,
)
from kuzet.operations.postgres import find_tool, libpq


def test_a_database_only_migrated_counts_as_empty() -> None:
    assert non_empty_tables({"alembic_version": 1, "audit_head": 1, "categories": 40, "appeals": 0}) == []
    assert non_empty_tables({"categories": 40, "users": 1, "audit_log": 3}) == ["audit_log", "users"]


def test_folder_names_are_utc_and_sort_in_time_order() -> None:
    almaty = timezone(timedelta(hours=5))
    assert folder_name(datetime(2026, 12, 7, 10, 0, 5, tzinfo=almaty)) == "kuzet-20261207T050005Z"
    earlier, later = datetime(2026, 1, 9, 23, 59, tzinfo=UTC), datetime(2026, 1, 10, 0, 1, tzinfo=UTC)
    assert folder_name(earlier) < folder_name(later)


def test_file_mismatches_name_each_missing_resized_or_changed_file() -> None:
    listed = [FileEntry("a", "1" * 64, 3), FileEntry("b", "2" * 64, 3), FileEntry("c", "3" * 64, 3)]
    found = {"a": (3, "1" * 64), "b": (4, "2" * 64), "c": (3, "f" * 64)}
    assert file_mismatches(listed, found) == [
        "b: size 4, manifest says 3",
        "c: checksum differs from the manifest",
    ]
    assert file_mismatches(listed, {"a": (3, "1" * 64)})[0] == "b: missing"


def test_count_mismatches_list_tables_that_differ_or_appear() -> None:
    assert count_mismatches({"appeals": 3, "units": 1}, {"appeals": 3, "units": 1}) == []
    assert count_mismatches({"appeals": 3}, {"appeals": 2, "extra": 0}) == [
        "appeals: manifest 3, restored 2",
        "extra: manifest None, restored 0",
    ]


@pytest.mark.parametrize("path", ["../etc/passwd", "/etc/passwd", "data/../../x", "data//x"])
def test_a_manifest_path_leaving_the_backup_is_refused(path: str) -> None:
    with pytest.raises(BackupError, match="outside the backup"):
        parse_files({"files": [{"path": path, "sha256": "0" * 64, "size": 1}]})


def test_a_manifest_of_another_format_or_missing_fields_is_refused() -> None:
    complete = {
        "format": FORMAT,
        "backend": "sqlite",
        "migration_revision": "0001",
        "created_at": "2026-12-07T05:00:00+00:00",
        "row_counts": {},
        "files": [],
    }
    check_manifest(complete)
    with pytest.raises(BackupError, match="not a Kuzet backup manifest"):
        check_manifest({**complete, "format": "other/1"})
    with pytest.raises(BackupError, match="manifest has no row_counts"):
        check_manifest({k: v for k, v in complete.items() if k != "row_counts"})
    with pytest.raises(BackupError, match="unknown back end"):
        check_manifest({**complete, "backend": "mysql"})


def test_a_missing_postgresql_tool_is_named_with_what_to_install() -> None:
    with pytest.raises(BackupError, match=r"pg_nosuchtool not found: install the PostgreSQL client tools"):
        find_tool("pg_nosuchtool")
    assert find_tool("pg_dump").endswith("pg_dump")  # the tools the PostgreSQL tests use are found


def test_the_postgresql_password_stays_off_the_command_line() -> None:
    conninfo, env = libpq("postgresql+psycopg://kuzet:s3cret@db1:5433/kuzet?sslmode=require")
    assert conninfo == "postgresql://kuzet@db1:5433/kuzet?sslmode=require"
    assert env["PGPASSWORD"] == "s3cret"
