"""Helpers for tests that run the installed `kuzet` command in processes of their own: its environment
against a test database, starting it, `kuzet serve` on a port with its log in a file, and waiting."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from kuzet.config import Settings

T = TypeVar("T")
KUZET_COMMAND = str(Path(sys.executable).with_name("kuzet"))


def kuzet_env(settings: Settings, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment with the test's database, data folder and secret key, in test mode."""
    return {
        **os.environ,
        "KUZET_DATABASE_URL": settings.database_url,
        "KUZET_DATA_DIR": str(settings.data_dir),
        "KUZET_MODE": "test",
        "KUZET_SECRET_KEY": settings.secret_key,
        **(extra or {}),
    }


def start_kuzet(*args: str, env: Mapping[str, str], **options: Any) -> subprocess.Popen[Any]:
    """Start `kuzet <args>` with nothing on its stdin and, unless `options` say otherwise, its output
    thrown away."""
    options = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, **options}
    return subprocess.Popen([KUZET_COMMAND, *args], env=env, stdin=subprocess.DEVNULL, **options)


def start_serve(
    folder: Path, *, database_url: str, secret_key: str, port: int, workers: int, extra: Mapping[str, str]
) -> tuple[subprocess.Popen[bytes], Path]:
    """`kuzet serve` on `port` with fast password hashing, JSON logs at INFO into `folder`/stderr.log and
    its data folder in `folder`/data; it is not waited for. Returns the process and the log's path."""
    env = {
        **os.environ,
        "KUZET_MODE": "test",
        "KUZET_DATABASE_URL": database_url,
        "KUZET_SECRET_KEY": secret_key,
        "KUZET_DATA_DIR": str(folder / "data"),
        "KUZET_ARGON2_TIME_COST": "1",
        "KUZET_ARGON2_MEMORY_KIB": "1024",
        "KUZET_PORT": str(port),
        "KUZET_WORKERS": str(workers),
        "KUZET_LOG_LEVEL": "INFO",
        "KUZET_LOG_JSON": "true",
        **extra,
    }
    stderr = folder / "stderr.log"
    with stderr.open("wb") as sink:
        process: subprocess.Popen[bytes] = start_kuzet("serve", env=env, stderr=sink, cwd=folder)
    return process, stderr


def wait_for(what: str, check: Callable[[], T | None], timeout: float, every: float = 0.05) -> T:
    """Call `check` every `every` seconds until it returns something true, and return that; fail the test
    naming `what` if it has not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(every)
