"""A private PostgreSQL cluster for the tests that stop, restart or fail over the database.

The machine's shared PostgreSQL (the one the PostgreSQL test run uses) is never stopped: these tests make
their own cluster with `initdb` in a temporary folder, on a free loopback port, and remove it afterwards.
PostgreSQL refuses to run as root, so when the tests run as root every server command runs as the
`postgres` account, which then owns the folder.

A cluster may have a streaming replica (`pg_basebackup -R`), committed to synchronously, so that every
commit a client was told of is on the replica too. `fail_over()` stops the primary at once and brings the
replica up, promoted, on the primary's address: what a floating address does in a real deployment.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

SERVER_ACCOUNT = "postgres"
# Small and quick: the test machine is shared. fsync is off because these tests stop the server process,
# never the machine: what PostgreSQL wrote before it was killed is in the operating system's cache.
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",
    "shared_buffers": "'32MB'",
    "fsync": "off",
    "full_page_writes": "off",
    "wal_level": "replica",
    "max_wal_senders": "5",
    "hot_standby": "on",
    "log_min_messages": "warning",
}


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's programs (KUZET_TEST_PG_BIN overrides), or None if there are none."""
    chosen = os.environ.get("KUZET_TEST_PG_BIN")
    if chosen:
        return Path(chosen) if (Path(chosen) / "initdb").exists() else None
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.name)) or (0,)

    return max(found, key=version) if found else None


def unavailable() -> str | None:
    """Why a private cluster cannot be made here, or None if it can."""
    if bin_dir() is None:
        return "no PostgreSQL server programs (initdb) installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_ACCOUNT)
        except KeyError:
            return f"running as root without a {SERVER_ACCOUNT!r} account to run PostgreSQL as"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_account(command: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_ACCOUNT, "--", *command] if os.geteuid() == 0 else command


@dataclass
class PgServer:
    """One PostgreSQL server of the private cluster: its data folder, its port and its log."""

    data: Path
    port: int
    programs: Path
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.data.parent / f"{self.data.name}.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SERVER_ACCOUNT}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={SERVER_ACCOUNT} dbname={database}"

    def run(self, *args: str, timeout: float = 120) -> str:
        command = _as_server_account([str(self.programs / args[0]), *args[1:]])
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
        return done.stdout

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            f"-p {self.port}",
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "immediate") -> None:
        """Stop it; `immediate` kills every process at once, as a crash would (recovery at the next start)."""
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "immediate") -> None:
        self.stop(mode)
        self.start()

    def running(self) -> bool:
        command = _as_server_account([str(self.programs / "pg_ctl"), "-D", str(self.data), "status"])
        return subprocess.run(command, capture_output=True, timeout=30, check=False).returncode == 0

    def promote(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "promote")

    def execute(self, sql: str, database: str = "postgres") -> list[tuple[object, ...]]:
        with psycopg.connect(self.dsn(database), autocommit=True) as connection:
            cursor = connection.execute(sql)  # type: ignore[arg-type]  # the tests' own statements
            return list(cursor.fetchall()) if cursor.description else []


class PgCluster:
    """A primary (and, on request, a synchronous streaming replica) in a temporary folder."""

    def __init__(self, *, replica: bool = False) -> None:
        reason = unavailable()
        if reason is not None:
            raise RuntimeError(reason)
        programs = bin_dir()
        assert programs is not None
        self.root = Path(tempfile.mkdtemp(prefix="kuzet-pg-"))
        self._chown(self.root)
        self.primary = PgServer(self.root / "primary", free_port(), programs)
        self.replica: PgServer | None = None
        try:
            self._init_primary()
            if replica:
                self._add_replica()
        except BaseException:
            self.close()
            raise

    def url(self, database: str = "postgres") -> str:
        """The address clients use: the primary's, which a promoted replica takes over."""
        return self.primary.url(database)

    def create_database(self, name: str) -> str:
        self.primary.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            account = pwd.getpwnam(SERVER_ACCOUNT)
            os.chown(path, account.pw_uid, account.pw_gid)

    def _init_primary(self) -> None:
        primary = self.primary
        primary.run(
            "initdb",
            "-D",
            str(primary.data),
            "-U",
            SERVER_ACCOUNT,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        settings = {**SETTINGS, "unix_socket_directories": f"'{self.root}'"}
        with (primary.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        primary.start()

    def _add_replica(self) -> None:
        primary = self.primary
        replica = PgServer(self.root / "replica", free_port(), primary.programs)
        primary.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", SERVER_ACCOUNT,
            "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        replica.start()
        self.replica = replica
        self._wait_replication("state = 'streaming'")
        # From now on a commit is acknowledged only once the replica has it: a failover loses nothing.
        primary.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
        primary.execute("SELECT pg_reload_conf()")
        self._wait_replication("sync_state = 'sync'")

    def _wait_replication(self, condition: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.primary.execute(f"SELECT 1 FROM pg_stat_replication WHERE {condition}"):
                return
            time.sleep(0.1)
        raise RuntimeError(f"the replica is not yet {condition}")

    def fail_over(self) -> float:
        """Kill the primary, then bring the replica up promoted on its address; the seconds it took."""
        started = time.monotonic()
        self.kill_primary()
        self.promote_replica()
        return time.monotonic() - started

    def kill_primary(self) -> None:
        """The primary's machine is gone: every PostgreSQL process ends at once."""
        if self.replica is None:
            raise RuntimeError("the cluster has no replica")
        self.primary.stop("immediate")

    def promote_replica(self) -> None:
        """The replica takes over the primary's port (a floating address) and is promoted: it accepts writes
        when this returns."""
        old, replica = self.primary, self.replica
        if replica is None:
            raise RuntimeError("the cluster has no replica")
        replica.stop("fast")
        replica.port = old.port
        replica.start()
        replica.promote()
        deadline = time.monotonic() + 30
        while replica.execute("SELECT pg_is_in_recovery()")[0][0]:
            if time.monotonic() > deadline:
                raise RuntimeError("the promoted replica is still in recovery")
            time.sleep(0.05)
        self.primary, self.replica = replica, None
        self._retired = old

    def close(self) -> None:
        """Stop every server at once and remove the folder."""
        for server in (getattr(self, "primary", None), self.replica, getattr(self, "_retired", None)):
            if server is not None and server.data.exists() and server.running():
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    server.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
