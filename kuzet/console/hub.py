"""The live feed of one server process: new feed rows, read once, handed to every console connected here.

Every worker reads the shared feed table, so a change committed by any worker reaches the consoles of all
of them. A worker is woken to read by PostgreSQL's LISTEN/NOTIFY (the row's transaction notifies on commit),
by a commit in its own process, and, as a safety net, by a short poll.

On PostgreSQL, numbers are taken when rows are written, so a transaction that commits late can reveal a
number below one already read. The reader therefore looks back a window of numbers and remembers what it
has handed out, and hands each row out once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kuzet.console import store
from kuzet.console.store import LiveEvent
from kuzet.core.db import POSTGRES_CONNECT_ARGS

log = logging.getLogger(__name__)
LOOK_BACK = 500  # how far below the newest number read a late commit is still looked for
CATCH_UP_MAX = 5000  # a console further behind than this reloads its snapshot instead
RETRY_SECONDS = 1.0  # how soon a failed read, or a lost notification connection, is tried again


class LiveHub:
    def __init__(
        self,
        engine: Engine,
        session_factory: sessionmaker[Session],
        *,
        poll_seconds: float,
        queue_max: int = 10_000,
    ) -> None:
        self._engine = engine
        self._sessions = session_factory
        self._poll = poll_seconds
        self._queue_max = queue_max
        self._subscribers: set[asyncio.Queue[LiveEvent | None]] = set()
        self._seen: set[int] = set()
        self._newest = -1  # -1: not read yet; the first read starts at the current head
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = threading.Event()

    # -- consoles ---------------------------------------------------------------------------------------
    def subscribe(self) -> asyncio.Queue[LiveEvent | None]:
        """A queue of the rows read from now on (None when the server stops). Starts the reader if needed."""
        self._start()
        queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue(self._queue_max)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[LiveEvent | None]) -> None:
        self._subscribers.discard(queue)

    def head(self) -> int:
        """The newest number in the feed: a console loads its snapshot after reading this."""
        with self._sessions() as session:
            return store.bounds(session)[1]

    def catch_up(self, seq: int) -> list[LiveEvent] | None:
        """Rows after `seq`, or None if some of them were pruned or there are too many: reload instead."""
        with self._sessions() as session:
            low, high = store.bounds(session)
            if seq >= high:
                return []
            if seq < low - 1 or (low == 0 and seq > 0):
                return None
            rows = store.after(session, seq, limit=CATCH_UP_MAX + 1)
        return None if len(rows) > CATCH_UP_MAX else rows

    def wake(self) -> None:
        """Ask the reader to look now (safe from any thread)."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    # -- reading ----------------------------------------------------------------------------------------
    def _start(self) -> None:
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = self._loop.create_task(self._run(self._wake))
        store.after_commit.append(self.wake)  # a commit in this process wakes the reader at once
        if self._engine.dialect.name == "postgresql":
            url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            threading.Thread(target=self._listen, args=(url,), name="live-listen", daemon=True).start()

    async def _run(self, wake: asyncio.Event) -> None:
        with contextlib.suppress(Exception):  # start at the current head (consoles catch up by number)
            await asyncio.to_thread(self._read)
        while not self._closed.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self._poll)
            wake.clear()
            try:
                rows = await asyncio.to_thread(self._read)
            except Exception:  # the database may be restarting: try again at the next wake
                log.warning("live feed read failed", exc_info=True)
                # Not a whole poll interval: once the database is back, consoles hear of changes within
                # a second, whichever of this and the listener's reconnection comes first.
                await asyncio.sleep(min(self._poll, RETRY_SECONDS))
                continue
            for row in rows:
                self._hand_out(row)

    def _hand_out(self, row: LiveEvent | None) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(row)
            except asyncio.QueueFull:  # a console that stopped reading: drop it; it reconnects and catches up
                self._subscribers.discard(queue)

    def _read(self) -> list[LiveEvent]:
        with self._sessions() as session:
            if self._newest < 0:
                self._newest = store.bounds(session)[1]
                return []
            rows = store.after(session, max(self._newest - LOOK_BACK, 0), limit=CATCH_UP_MAX)
        fresh = [r for r in rows if r.seq not in self._seen]
        for row in fresh:
            self._seen.add(row.seq)
            self._newest = max(self._newest, row.seq)
        floor = self._newest - LOOK_BACK
        self._seen = {s for s in self._seen if s > floor}
        return fresh

    def _listen(self, url: str) -> None:
        """Wake the reader on every notification of the feed channel; reconnect if the database goes away."""
        while not self._closed.is_set():
            try:
                with psycopg.connect(
                    make_conninfo(url, **POSTGRES_CONNECT_ARGS), autocommit=True
                ) as connection:
                    connection.execute(f"LISTEN {store.CHANNEL}")
                    self.wake()  # whatever was committed while not listening
                    while not self._closed.is_set():
                        for _ in connection.notifies(timeout=1.0, stop_after=1):
                            self.wake()
            except psycopg.Error:
                log.warning("live feed listener lost its connection; retrying")
                self._closed.wait(RETRY_SECONDS)

    async def stop(self) -> None:
        """End every console's stream and stop reading."""
        self._closed.set()
        if self.wake in store.after_commit:
            store.after_commit.remove(self.wake)
        self._hand_out(None)
        if self._task is not None:
            self.wake()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
