"""The server's checkpoint writer: a daemon thread that checkpoints the audit head every so many seconds."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from kuzet.core.audit import service
from kuzet.core.audit.checkpoint_file import CheckpointLog
from kuzet.core.audit.checkpoints import CHECKPOINT_LOGGER
from kuzet.core.clock import Clock
from kuzet.core.uow import UnitOfWork

if TYPE_CHECKING:
    from kuzet.container import Services

log = logging.getLogger(CHECKPOINT_LOGGER)


class CheckpointWriter:
    """Checkpoints the head when it moved, every `every_seconds`, and once more when stopped."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        checkpoints: CheckpointLog,
        clock: Clock,
        every_seconds: float,
    ) -> None:
        self.uow = uow
        self.checkpoints = checkpoints
        self.clock = clock
        self.every_seconds = every_seconds
        self.rounds = 0  # rounds done, written or not
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-checkpoints", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def round(self) -> None:
        try:
            service.write_checkpoint(self.uow(), checkpoints=self.checkpoints, at=self.clock.now())
        except Exception:
            log.exception("audit checkpoint failed")
        self.rounds += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.round()
            self._stop.wait(self.every_seconds)
        self.round()  # the rows written since the last round are covered too


def audit_checkpoint_writer(services: Services) -> CheckpointWriter | None:
    """The writer for this server, or None when KUZET_AUDIT_CHECKPOINT_SECONDS is 0."""
    settings = services.settings
    every = settings.audit_checkpoint_seconds
    if every <= 0:
        return None
    return CheckpointWriter(services.uow, CheckpointLog.from_settings(settings), services.clock, every)
