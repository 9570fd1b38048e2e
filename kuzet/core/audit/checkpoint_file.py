"""The checkpoint file: append-only JSON lines outside the database, shared by every worker and host.

Each checkpoint is one short line, written with a single write() on a descriptor opened with O_APPEND and
then fsynced, so lines from several writers never interleave and a written checkpoint survives a crash.
The file is never opened for anything but appending or reading, so it can be marked append-only
(`chattr +a`). An exclusive lock (flock) on it makes "read the newest checkpoint, then append" one step
among the workers of a host; writers on other hosts may at worst add a duplicate line, which is harmless."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kuzet.config import Settings
from kuzet.core.audit.checkpoints import Readings, checkpoint_key, parse_lines

_TAIL_BYTES = 64 * 1024  # the newest checkpoints are at the end; a line is about 200 bytes
_MODE = 0o640


class Append(Protocol):
    def __call__(self, line: str) -> None: ...


@dataclass(frozen=True)
class CheckpointLog:
    """Where the checkpoints are kept, and the key that signs them."""

    path: Path
    key: bytes

    @classmethod
    def from_settings(cls, settings: Settings, *, path: Path | None = None) -> CheckpointLog:
        """The configured file, or another copy of the checkpoints (an auditor's export) at `path`."""
        return cls(path or settings.audit_checkpoint_file, checkpoint_key(settings.secret_key))

    def exists(self) -> bool:
        return self.path.is_file()

    def read(self) -> Readings | None:
        """Every checkpoint in the file, in order; None when there is no file yet."""
        try:
            with self.path.open(encoding="utf-8", errors="replace") as lines:
                return parse_lines(lines)
        except FileNotFoundError:
            return None

    @contextmanager
    def appending(self) -> Iterator[tuple[Readings, Append]]:
        """Lock the file against the other writers of this host; yield its newest checkpoints and a function
        that appends one line durably."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _MODE)
        try:
            if created:
                _sync_folder(self.path.parent)
            fcntl.flock(fd, fcntl.LOCK_EX)

            def append(line: str) -> None:
                data = (line.rstrip("\n") + "\n").encode()
                if b"\n" in data[:-1]:
                    raise ValueError("a checkpoint is one line")
                written = os.write(fd, data)  # one call: O_APPEND places the whole line at the end
                if written != len(data):
                    raise OSError(f"only {written} of {len(data)} bytes of a checkpoint reached {self.path}")
                os.fsync(fd)

            yield self._tail(), append
        finally:
            os.close(fd)  # also releases the lock

    def _tail(self) -> Readings:
        """The checkpoints in the last part of the file (the first, possibly cut, line is dropped)."""
        with self.path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            start = max(0, size - _TAIL_BYTES)
            file.seek(start)
            lines = file.read().decode("utf-8", errors="replace").splitlines()
        if start > 0 and lines:
            lines = lines[1:]
        return parse_lines(lines)


def _sync_folder(folder: Path) -> None:
    """Make the new file's name durable too."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
