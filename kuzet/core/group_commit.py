"""Group commit: many requests' steps in one transaction, each in its own savepoint, one durable commit.

A busy intake path spends most of its time waiting on the few rows every registration must lock (the
gapless number counter, the audit chain head) for as long as a transaction lasts. Running the queued steps
one after another inside one transaction takes those locks and the commit's flush once per batch instead
of once per request. A step that fails is rolled back to its savepoint alone and its caller gets the error;
the others go on. No caller hears back before the commit that makes its work durable. If the commit itself
fails, every step of the batch is run again alone, so one bad step cannot spoil the others.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError

from kuzet.core.errors import Conflict
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork

T = TypeVar("T")
Step = Callable[[UnitOfWork], Any]
log = logging.getLogger(__name__)

# PostgreSQL's deadlock and serialisation failures: the step is run again in a later batch.
_RETRYABLE = {"40P01", "40001"}


@dataclass
class _Job:
    step: Step
    isolated: bool
    future: Future[Any] = field(default_factory=Future)
    retries: int = 0


def run_isolated(uow: UnitOfWork, work: Callable[[UnitOfWork], T]) -> T:
    """Run the work in a savepoint, so that if it fails its writes are undone alone. Work that loses a race
    on a unique key is run once more: read again, it finds the row the winner wrote."""
    for _ in range(2):
        try:
            with uow.savepoint():
                return work(uow)
        except IntegrityError:
            continue
    raise Conflict(N_("The same request is being processed; retry shortly."))


def _retryable(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    return getattr(exc.orig, "sqlstate", None) in _RETRYABLE


class GroupCommitter:
    """A writer thread that runs submitted steps in batches of up to `max_batch`, one transaction each."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], *, max_batch: int = 64, name: str = "") -> None:
        self._uow_factory = uow_factory
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=f"group-commit-{name}", daemon=True)
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    def submit(self, step: Callable[[UnitOfWork], T], *, isolated: bool = True) -> Future[T]:
        """Queue a step; the future holds its result (or error) once its batch has committed.

        An isolated step runs in a savepoint of its own (`run_isolated`). A step that is not isolates its
        own parts; if it raises, the batch is run again one step at a time, so it is then alone."""
        job = _Job(step, isolated)
        with self._lock:
            if self._closed:
                raise RuntimeError("the group committer is closed")
            if not self._started:
                self._thread.start()
                self._started = True
            self._queue.put(job)
        return job.future

    def close(self, timeout: float = 30) -> None:
        """Finish what is queued, then stop the writer thread."""
        with self._lock:
            self._closed = True
            if not self._started:
                return
            self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            while len(jobs) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                jobs.append(more)
            self._batch(jobs)

    def _batch(self, jobs: list[_Job]) -> None:
        outcomes: list[tuple[bool, Any] | None] = []  # None: to be run again in a batch of its own
        retry: list[_Job] = []
        try:
            uow = self._uow_factory()
            with uow:
                for job in jobs:
                    try:
                        outcomes.append((True, self._step(uow, job)))
                    except Exception as exc:  # the caller gets it; the batch goes on
                        if not job.isolated:
                            raise  # its writes are not undone alone: nothing of the batch commits
                        if _retryable(exc) and job.retries < 3:
                            job.retries += 1
                            retry.append(job)
                            outcomes.append(None)
                        else:
                            outcomes.append((False, exc))
                uow.commit()
        except Exception as exc:
            if len(jobs) == 1:
                job = jobs[0]
                if _retryable(exc) and job.retries < 3:
                    job.retries += 1
                    self._batch([job])
                else:
                    self._settle(job, False, exc)
                return
            log.warning("group commit of %d steps failed (%s); running them one by one", len(jobs), type(exc))
            for job in jobs:
                self._batch([job])
            return
        for job, outcome in zip(jobs, outcomes, strict=True):
            if outcome is not None:
                self._settle(job, *outcome)
        for job in retry:
            self._batch([job])

    @staticmethod
    def _step(uow: UnitOfWork, job: _Job) -> Any:
        return run_isolated(uow, job.step) if job.isolated else job.step(uow)

    @staticmethod
    def _settle(job: _Job, ok: bool, value: Any) -> None:
        if ok:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)
