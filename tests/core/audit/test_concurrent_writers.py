"""Parallel writers never fork the audit chain (each append waits for the chain head)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.audit import service
from kuzet.core.audit.checkpoint_file import CheckpointLog

WRITERS, EACH = 6, 15


def test_parallel_appends_keep_one_unbroken_chain(services: Services) -> None:
    def write(worker: int) -> None:
        for i in range(EACH):
            with services.uow() as uow:
                uow.audit(Actor.system(f"worker{worker}"), "test.parallel", object_id=i)
                uow.commit()

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))
    report = service.verify(services.uow(), checkpoints=CheckpointLog.from_settings(services.settings))
    assert report.ok, report
    assert report.checked == WRITERS * EACH
