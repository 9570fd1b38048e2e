"""`kuzet serve` with several worker processes: uvicorn's supervisor, made to start each worker light, to
replace a dead worker at once, and to fail when a worker cannot start."""

from __future__ import annotations

import logging
import pickle
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import wait
from typing import TYPE_CHECKING

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

if TYPE_CHECKING:
    from fastapi import FastAPI

# The app factory that `kuzet serve` runs, in each worker (named: a worker is a new interpreter).
WORKER_APP = f"{__name__}:serve_app"

logger = logging.getLogger("uvicorn.error")  # where uvicorn's supervisor reports its workers


def serve_app() -> FastAPI:
    """The app of a `kuzet serve` worker. If it cannot be built (bad settings, a broken install), the worker
    logs why as one record and exits with uvicorn's start-up failure code: the server then stops rather than
    start worker after worker that fail alike, each writing a traceback to stderr."""
    try:
        from kuzet.app import create_app  # imported here, so that a failure to import it is logged too

        return create_app()
    except Exception:
        logging.getLogger("kuzet.serve").exception("the server could not start")
        sys.exit(STARTUP_FAILURE)


def run_workers(config: Config) -> int:
    """Serve with `config.workers` worker processes until told to stop; the exit status: 0, or uvicorn's
    start-up failure code if a worker could not start."""
    supervisor = Supervisor(config, sockets=[config.bind_socket()])
    with _bare_main(), suppress(KeyboardInterrupt):
        supervisor.run()
    failed = any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes)
    return STARTUP_FAILURE if failed else 0


class Supervisor(Multiprocess):
    """uvicorn's multiprocess supervisor (0.54), with a health check that notices a dead worker at once.

    Every half second uvicorn's sends each worker a ping and waits up to `timeout_worker_healthcheck` for
    the answer. A worker killed while its ping is on the way never answers, and uvicorn's waits out the whole
    limit before it starts another worker; this one stops waiting when the worker's process ends."""

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for idx, process in enumerate(self.processes):
            if answers(process, self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung, or dead already
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                # It failed before serving, as every worker will: its settings, its install or its database.
                logger.error("worker could not start; the server stops", extra={"worker_pid": process.pid})
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.warning("worker gone or silent; starting another", extra={"worker_pid": process.pid})
            process = Process(self.config, self.sockets)
            process.start()
            self.processes[idx] = process


def answers(process: Process, timeout: float) -> bool:
    """Whether the worker runs and answers a health check within the timeout; False once its process ends."""
    if not process.process.is_alive():
        return False
    try:
        process.parent_conn.send(b"ping")
        if process.parent_conn not in wait([process.parent_conn, process.process.sentinel], timeout):
            return False
        process.parent_conn.recv()
    except (OSError, EOFError, pickle.UnpicklingError):
        return False
    return True


@contextmanager
def _bare_main() -> Iterator[None]:
    """Start the worker processes without running the `kuzet` script again in each.

    uvicorn starts a worker as a new interpreter (multiprocessing's spawn), which first runs the parent's
    `__main__` again: for the `kuzet` script that is every command's imports, seconds of work on a loaded
    machine before the worker can answer the supervisor's health check, which then kills it and starts
    another. With an empty `__main__` a worker answers once uvicorn is imported, and then imports the app."""
    script = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = script
