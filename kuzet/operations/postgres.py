"""PostgreSQL: `pg_dump --format=directory` from one exported snapshot, `pg_restore`, and scratch
databases."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from kuzet.operations.domain import BackupError
from kuzet.operations.tables import migration_revision, row_counts

_TOOL_TIMEOUT = 6 * 3600  # a large database dumps for a long while; a stuck tool does not hang forever


def find_tool(name: str) -> str:
    """`pg_dump` or `pg_restore`: on PATH, else the newest in /usr/lib/postgresql/*/bin (Debian's layout)."""
    found = shutil.which(name)
    if found:
        return found
    versions = [p for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}") if p.parts[-3].isdigit()]
    if versions:
        return str(max(versions, key=lambda p: int(p.parts[-3])))
    raise BackupError(
        f"{name} not found: install the PostgreSQL client tools (the server's major version or newer, "
        f"e.g. the postgresql-client package) or put {name} on PATH"
    )


def libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL as the PostgreSQL tools take it, and their environment: the password goes in PGPASSWORD, not
    on a command line that every user of the host can read."""
    url = make_url(database_url)
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    # URL.set(password=None) keeps the password: build the URL anew without it.
    bare = URL.create("postgresql", url.username, None, url.host, url.port, url.database, url.query)
    conninfo = bare.render_as_string(hide_password=False)
    return conninfo, env


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - the tool found above, with arguments we built
            command, env=env, capture_output=True, text=True, timeout=_TOOL_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{what} did not finish within {_TOOL_TIMEOUT} s") from exc
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def tool_version(tool: str) -> str:
    return _run([tool, "--version"], dict(os.environ), tool).strip()


def dump(database_url: str, folder: Path) -> tuple[dict[str, int], str | None, str]:
    """Dump the database into `folder` (directory format) and count its rows, both from one snapshot.

    A repeatable-read transaction exports its snapshot; pg_dump reads through it (--snapshot), and the
    counts and the migration are read in that transaction too, so the manifest describes exactly the dump.
    Returns the row counts, the migration revision and pg_dump's version."""
    pg_dump = find_tool("pg_dump")
    conninfo, env = libpq(database_url)
    engine = create_engine(database_url, poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(text("SET TRANSACTION READ ONLY"))
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                counts, revision = row_counts(connection), migration_revision(connection)
                _run(
                    [pg_dump, "--format=directory", f"--file={folder}", f"--snapshot={snapshot}", conninfo],
                    env,
                    "pg_dump",
                )
    finally:
        engine.dispose()
    return counts, revision, tool_version(pg_dump)


def restore(folder: Path, database_url: str) -> None:
    """Load a directory-format dump into the (empty) target in one transaction: all of it or nothing.

    Objects a migration made in the target are dropped first (--clean), so a freshly migrated database takes
    the backup as well as a blank one. Ownership and grants are left to the target's own roles."""
    conninfo, env = libpq(database_url)
    command = [
        find_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={conninfo}",
        str(folder),
    ]
    _run(command, env, "pg_restore")


@contextmanager
def scratch_database(database_url: str) -> Iterator[str]:
    """A new database on the same server for the drill, dropped afterwards (needs the CREATEDB right)."""
    url = make_url(database_url)
    name = f"kuzet_drill_{secrets.token_hex(6)}"
    admin = create_engine(
        url.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT", hide_parameters=True
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        raise BackupError(
            f"cannot create the drill's scratch database on the server ({type(exc).__name__}): the drill "
            "needs the CREATEDB right and the maintenance database `postgres`"
        ) from exc
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
