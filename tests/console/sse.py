"""A console's live stream as the tests see it: a real HTTP connection read by a thread, event by event."""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Message:
    seq: int | None
    kind: str
    data: dict[str, Any]


class LiveStream:
    """GET /api/v1/live, parsed into messages as they arrive (comments are skipped)."""

    def __init__(self, url: str, headers: dict[str, str], *, after: int | None = None) -> None:
        self.messages: queue.Queue[Message] = queue.Queue()
        self.read: list[Message] = []  # what wait_for took off the queue
        self.status: int | None = None
        self._response: httpx.Response | None = None
        self._ready = threading.Event()
        self._client = httpx.Client(base_url=url, headers=headers, timeout=httpx.Timeout(5, read=None))
        params = {} if after is None else {"after": after}
        self._thread = threading.Thread(target=self._read, args=(params,), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the live stream did not answer")

    def _read(self, params: dict[str, int]) -> None:
        try:
            with self._client.stream("GET", "/api/v1/live", params=params) as response:
                self.status = response.status_code
                self._response = response
                self._ready.set()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if line.startswith(":"):
                        continue
                    if line == "":
                        if "event" in fields:
                            seq = int(fields["id"]) if "id" in fields else None
                            self.messages.put(Message(seq, fields["event"], json.loads(fields["data"])))
                        fields = {}
                        continue
                    name, _, value = line.partition(": ")
                    fields[name] = value
        except httpx.HTTPError:
            pass
        finally:
            self._ready.set()

    def next(self, timeout: float = 5) -> Message:
        return self.messages.get(timeout=timeout)

    def wait_for(self, kind: str, timeout: float = 5, **match: Any) -> tuple[Message, float]:
        """The first message of this kind whose data has these values (among those already read, or the
        next ones), and the seconds it took to come (0 if it was there already)."""

        def fits(message: Message) -> bool:
            return message.kind == kind and all(message.data.get(k) == v for k, v in match.items())

        for message in self.read:
            if fits(message):
                return message, 0.0
        started = time.monotonic()
        deadline = started + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind} {match} within {timeout} s")
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            self.read.append(message)
            if fits(message):
                return message, time.monotonic() - started

    def drain(self, wait: float = 0.3) -> list[Message]:
        time.sleep(wait)
        out = []
        while not self.messages.empty():
            out.append(self.messages.get_nowait())
        return out

    def close(self) -> None:
        if self._response is not None:
            self._response.close()
        self._client.close()
