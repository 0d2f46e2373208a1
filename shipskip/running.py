"""How many of a web worker's threads run requests at once, and who goes next.

A gunicorn worker is one process, so one of its threads runs Python at a time (the GIL). Four
threads keep it busy. More threads made every page slower at the tail (the tool page's p99 at 8
threads: 150-290 ms where 4 gave 70-120), since every runnable thread takes its turn at the GIL
and a request waits on all of them. But a vote spends most of its time waiting for the batch
that commits it (``votes.batching``), and with four threads a worker had at most four votes in
flight: batches of about two votes, each paying for its own statement and WAL flush.

So a worker has more threads than run at once (``gunicorn.conf.py``: 8 threads, 4 running). A
thread takes a turn (``Turns.held``) for the request it handles and gives it away while it only
waits for other threads' work (``waiting``), as a vote does while another thread runs its
batch. Turns go in the order they were asked for, but a thread back from waiting goes first:
all it has left is its answer. Outside a turn (tests, commands, ``runserver``) ``waiting`` does
nothing.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from collections.abc import Iterator

_local = threading.local()


class Turns:
    """At most ``size`` threads inside ``held()`` at once; the others wait in line."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("Turns needs a size of at least 1")
        self.size = size
        self._lock = threading.Lock()
        self._free = size
        # Each waiting thread sleeps on a lock of its own, released by the thread whose turn
        # it takes over: no thread is woken only to find the turn taken.
        self._line: collections.deque[threading.Lock] = collections.deque()

    def _take(self, *, first: bool = False) -> None:
        with self._lock:
            if self._free:
                self._free -= 1
                return
            wake = threading.Lock()
            wake.acquire()
            if first:
                self._line.appendleft(wake)
            else:
                self._line.append(wake)
        wake.acquire()  # the turn is handed over by _give; _free did not change

    def _give(self) -> None:
        with self._lock:
            if self._line:
                self._line.popleft().release()
            else:
                self._free += 1

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Run the block in a turn of its own."""
        self._take()
        _local.turns = self
        try:
            yield
        finally:
            _local.turns = None
            self._give()


@contextlib.contextmanager
def waiting() -> Iterator[None]:
    """Wait in the block without holding this thread's turn; take one again (ahead of the
    line) before going on."""
    turns = getattr(_local, "turns", None)
    if turns is None:
        yield
        return
    turns._give()
    try:
        yield
    finally:
        turns._take(first=True)
