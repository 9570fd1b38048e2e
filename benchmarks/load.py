"""Benchmark: a busy day on two hosts (issue 20, point 5). `kuzet loadtest` against two Kuzet servers with
separate data folders and ports, as if on two hosts, sharing one fresh PostgreSQL database.

The day is the region's busiest (a summer Saturday) 10 times over, compressed so that the whole day passes in
10 real minutes; by default the benchmark plays its busiest 2 minutes (the evening peak), and with
`--minutes 10` the whole day. Set-up: `kuzet demo --no-serve` (the Andorra map, districts, 40 units, the
partner apps; no past year), the road files copied to the second host's data folder, then
`kuzet loadtest --prepare` (load accounts, keys, 200 units on shift). The load generator is a third process
on the same two cores as both servers and PostgreSQL.

Goals (issue 20): p99 <= 300 ms for intake and recommendation, p99 <= 1 s from a change to a console (on
either host), and 0 errors. The server processes' and PostgreSQL's CPU over the run is printed beside them.

    .venv/bin/python -m benchmarks.load [--minutes 10] [--scale 10] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.goals import at_most
from benchmarks.load_profile import Waits, route_lines, route_times
from benchmarks.partner_intake import cpu_seconds, free_port
from benchmarks.scratch import scratch_postgres

HERE = Path(__file__).resolve().parent
INTAKE_GOAL_MS, RECOMMENDATION_GOAL_MS, FEED_GOAL_MS = 300.0, 300.0, 1000.0
DAY_MINUTES = 10.0
SAMPLER_FILE = "sampler.txt"


def kuzet(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "kuzet", *args], env=env, cwd=HERE.parent, capture_output=True, text=True
    )
    if done.returncode not in (0, 1):
        command = " ".join(args)
        raise RuntimeError(f"kuzet {command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def start_host(
    env: dict[str, str], data: Path, *, sampled: bool = False
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    host_env = {
        **env,
        "KUZET_DATA_DIR": str(data),
        "KUZET_PORT": str(port),
        "KUZET_HOST": "127.0.0.1",
        "KUZET_SAMPLER_OUT": str(data / SAMPLER_FILE),
    }
    program = "benchmarks.load_sampler" if sampled else "kuzet"
    process = subprocess.Popen(
        [sys.executable, "-m", program, "serve"],
        env=host_env,
        cwd=HERE.parent,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=(data / "server.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.3)
    raise RuntimeError(f"the server at {url} did not become ready; see {data / 'server.log'}")


def stop_host(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def _sampled(process: subprocess.Popen[bytes], data: Path) -> str:
    """The sampler's counts of a running host (it writes them on SIGUSR1)."""
    os.kill(process.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if (data / SAMPLER_FILE).exists():
            time.sleep(0.5)  # written in one go; let it finish
            return (data / SAMPLER_FILE).read_text(encoding="utf-8")
        time.sleep(0.2)
    return "(the sampler wrote nothing)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=2.0, help="real minutes to play (10: the whole day)")
    parser.add_argument("--scale", type=float, default=10.0, help="times the region's busiest day")
    parser.add_argument("--json", type=Path, default=None, help="keep the load test's report here")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample host A's request threads' stacks (benchmarks.load_sampler)",
    )
    options = parser.parse_args()
    print(
        f"Load (issue 20, point 5): two hosts on one PostgreSQL, the busiest day x{options.scale:g} "
        f"compressed into {DAY_MINUTES:g} min, {options.minutes:g} min played"
    )
    with scratch_postgres("kuzet_bench_load") as url, tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        first, second = root / "host-a", root / "host-b"
        first.mkdir()
        second.mkdir()
        env = {
            **os.environ,
            "KUZET_DATABASE_URL": url,
            "KUZET_SECRET_KEY": secrets.token_urlsafe(48),
            "KUZET_DATA_DIR": str(first),
            "KUZET_LOG_LEVEL": "WARNING",
            "KUZET_DEMO_HISTORY_INCIDENTS": "0",
            "COLUMNS": "200",
        }
        began = time.perf_counter()
        kuzet(["demo", "--no-serve"], {**env, "KUZET_MODE": "demo"})
        for made in first.glob("*.npz"):  # the road graph and gazetteer: a shared file, read by each host
            shutil.copy2(made, second / made.name)
        access = root / "access.json"
        prepared = kuzet(["loadtest", "--prepare", "--access", str(access)], {**env, "KUZET_MODE": "demo"})
        print(f"  set up in {time.perf_counter() - began:.0f} s: {prepared.stdout.strip()}")
        env["KUZET_MODE"] = "production"
        hosts = [start_host(env, first, sampled=options.profile), start_host(env, second)]
        try:
            report = root / "report.json"
            cpu_before = [cpu_seconds(p.pid) for p, _ in hosts] + [cpu_seconds(None)]
            routes_before = [route_times(host) for _, host in hosts]
            waits = Waits(url).start()
            run = [
                "loadtest", "--access", str(access), "--json", str(report), "--minutes", str(DAY_MINUTES),
                "--run-minutes", str(options.minutes), "--scale", str(options.scale), "--seed", "20",
            ]  # fmt: skip
            for _, host in hosts:
                run += ["--target", host]
            started, load_before = time.perf_counter(), f"{os.getloadavg()[0]:.1f}"
            done = kuzet(run, env)
            seconds = time.perf_counter() - started
            cpu_after = [cpu_seconds(p.pid) for p, _ in hosts] + [cpu_seconds(None)]
            waits.stop()
            routes_after = [route_times(host) for _, host in hosts]
            sampled = _sampled(hosts[0][0], first) if options.profile else ""
        finally:
            for process, _ in hosts:
                stop_host(process)
        print("\n".join("  " + line for line in done.stdout.strip().splitlines()))
        data = json.loads(report.read_text(encoding="utf-8"))
        if options.json is not None:
            shutil.copy2(report, options.json)
    cpu = [after - before for before, after in zip(cpu_before, cpu_after, strict=True)]
    print(
        f"  CPU over {seconds:.0f} s: host A {cpu[0]:.0f} s, host B {cpu[1]:.0f} s, "
        f"PostgreSQL {cpu[2]:.0f} s "
        f"(of {2 * seconds:.0f} core-seconds; the load generator has the rest)"
    )
    print(f"  load average before and after: {load_before}, {os.getloadavg()[0]:.1f} (2 cores, shared)")
    print("  where the time goes (both hosts' own time per route; the database's sessions):")
    print("\n".join(route_lines(routes_before, routes_after) + waits.lines()))
    if sampled:
        print("    host A's request threads (innermost Kuzet frames || innermost frame):")
        print("\n".join("      " + line for line in sampled.splitlines()[:26]))
    latency = data["latency"]

    def p99(kind: str) -> float:
        value = latency.get(kind, {}).get("p99_ms")
        return float("inf") if value is None else float(value)

    print(at_most("intake p99 (102 and partner appeals)", p99("intake"), INTAKE_GOAL_MS, "ms"))
    print(at_most("recommendation p99", p99("recommendation"), RECOMMENDATION_GOAL_MS, "ms"))
    print(at_most("change to console p99 (either host)", p99("feed"), FEED_GOAL_MS, "ms"))
    print(at_most("errors", float(data["error_total"]), 0, "errors"))


if __name__ == "__main__":
    main()
