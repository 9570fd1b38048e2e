"""`kuzet` run with a wall-clock stack sampler: where a server's request threads spend their time.

    python -m benchmarks.load_sampler serve      (KUZET_SAMPLER_OUT names the report file)

Every 5 ms it looks at every thread's stack. It keeps the stacks that pass through Kuzet's code and are not
one of the server's background loops (the outbox relay, the live feed's listener, the analytics refresher,
the audit checkpoints, the partner intake's batch thread). It counts them by the innermost three Kuzet
frames and the innermost frame of all. That frame says whether the thread was on CPU in Python, waiting on
the database (`psycopg/connection.py:wait`) or on a lock in the process (`threading.py:wait`: a pooled
connection, for instance). The counts are written when the process ends, or on SIGUSR1. A sample is 5 ms of
one thread's wall-clock time.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
import time
from collections import Counter
from types import FrameType
from typing import Final

SITE: Final = "site-packages/"
BACKGROUND: Final = (
    "kuzet/serve.py:serve",
    "kuzet/core/outbox.py:run_forever",
    "kuzet/console/hub.py:_listen",
    "kuzet/analytics/service.py:_run",
    "kuzet/core/audit/checkpoint_writer.py:_run",
    "kuzet/core/group_commit.py:_run",
)


def _label(frame: FrameType) -> str:
    path = frame.f_code.co_filename
    if SITE in path:
        path = path.split(SITE, 1)[1]
    elif "/kuzet/" in path:
        path = "kuzet/" + path.split("/kuzet/", 1)[1]
    else:
        path = path.rsplit("/", 1)[-1]
    return f"{path}:{frame.f_code.co_name}"


class Sampler:
    def __init__(self, out: str) -> None:
        self.out = out
        self.stacks: Counter[tuple[str, str]] = Counter()
        self.samples = 0
        self.thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)

    def _run(self) -> None:
        me = threading.get_ident()
        while True:
            time.sleep(0.005)
            for ident, frame in sys._current_frames().items():
                if ident != me:
                    self._take(frame)

    def _take(self, top: FrameType) -> None:
        names = []
        frame: FrameType | None = top
        while frame is not None:
            names.append(_label(frame))
            frame = frame.f_back
        ours = [name for name in names if name.startswith("kuzet/")]
        if not ours or any(name in BACKGROUND for name in ours):
            return
        self.samples += 1
        self.stacks[(" > ".join(reversed(ours[:3])), names[0])] += 1

    def dump(self, *_: object) -> None:
        lines = [f"{self.samples} samples of 5 ms in request threads"]
        lines += [f"{count:7d}  {stack}  ||  {leaf}" for (stack, leaf), count in self.stacks.most_common(40)]
        with open(self.out, "w", encoding="utf-8") as file:  # noqa: PTH123 - at exit, keep it plain
            file.write("\n".join(lines) + "\n")


def main() -> None:
    sampler = Sampler(os.environ.get("KUZET_SAMPLER_OUT", "sampler.txt"))
    sampler.thread.start()
    atexit.register(sampler.dump)
    signal.signal(signal.SIGUSR1, sampler.dump)
    from kuzet.cli import main as kuzet

    sys.argv = ["kuzet", *sys.argv[1:]]
    kuzet()


if __name__ == "__main__":
    main()
