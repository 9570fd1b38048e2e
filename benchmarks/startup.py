"""Benchmark: what starting Kuzet costs, against the goals of issue 14.

- `kuzet --help`: wall time and peak resident memory of the installed `kuzet` script, as a new process each
  run (goals: <= 0.5 s and <= 80 MB);
- a server worker: `kuzet serve` with one worker on a fresh, migrated SQLite database in a temporary folder,
  timed from the moment the process is started until `/readyz` first answers 200 (goal: <= 2 s).

Each is run several times; the medians are printed beside the goals with a met/MISSED verdict
(`benchmarks.goals`). Nothing is compared against a baseline here, so there is nothing to interleave.

    .venv/bin/python -m benchmarks.startup [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks.goals import at_most

KUZET = str(Path(sys.executable).parent / "kuzet")  # the script `pip install` made, as an operator runs it
HELP_SECONDS = 0.5
HELP_MB = 80.0
READY_SECONDS = 2.0


def run_measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run `command` to its end; its wall time in seconds and its own peak resident memory in MB."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage, not the maximum over all children
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {stderr}")
    return elapsed, usage.ru_maxrss / 1024  # ru_maxrss is in KB on Linux


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(folder: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "KUZET_DATABASE_URL": f"sqlite:///{folder / 'kuzet.db'}",
        "KUZET_DATA_DIR": str(folder),
        "KUZET_SECRET_KEY": secrets.token_urlsafe(32),
        "KUZET_MODE": "dev",
        "KUZET_HOST": "127.0.0.1",
        "KUZET_PORT": str(port),
        "KUZET_WORKERS": "1",
        "KUZET_LOG_LEVEL": "warning",
    }


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:  # noqa: S310 - the http://127.0.0.1 URL we made
            return bool(answer.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def time_to_ready(env: dict[str, str], timeout: float = 60.0) -> float:
    """Seconds from starting `kuzet serve` until its /readyz answers 200; the server is stopped after."""
    url = f"http://127.0.0.1:{env['KUZET_PORT']}/readyz"
    started = time.perf_counter()
    server = subprocess.Popen([KUZET, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not ready(url):
            if server.poll() is not None:
                stderr = server.stderr.read().decode() if server.stderr else ""
                raise RuntimeError(f"kuzet serve ended with {server.returncode}: {stderr}")
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")
            time.sleep(0.01)
        return time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def bench_help(runs: int) -> None:
    run_measured([KUZET, "--help"])  # warm the file cache
    samples = [run_measured([KUZET, "--help"]) for _ in range(runs)]
    seconds = statistics.median(s for s, _ in samples)
    mb = statistics.median(m for _, m in samples)
    print(f"kuzet --help ({runs} runs, median)")
    print(at_most("wall time", seconds, HELP_SECONDS, "s"))
    print(at_most("peak RSS", mb, HELP_MB, "MB"))


def bench_server(runs: int) -> None:
    seconds: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="kuzet-startup-") as name:
            env = server_env(Path(name), free_port())
            run_measured([KUZET, "db", "upgrade"], env)  # a fresh database, at head, before the clock starts
            seconds.append(time_to_ready(env))
    ready_in = statistics.median(seconds)
    print(f"kuzet serve, 1 worker, fresh SQLite database ({runs} runs, median)")
    print(at_most("start to /readyz 200", ready_in, READY_SECONDS, "s"))
    print(f"  runs                 : {', '.join(f'{s:.2f}' for s in seconds)} s  ({os.cpu_count()} cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print("Start-up (issue 14)")
    bench_help(args.runs)
    bench_server(max(3, args.runs // 2))


if __name__ == "__main__":
    main()
