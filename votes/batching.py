"""Group commit for the web workers' threads: one statement for every first vote waiting.

Each vote used to be its own round trip to PostgreSQL (two, with the rate limits), and on a
fast machine those round trips were most of a vote's cost: the benchmark's votes ran at a fifth
of the ceiling, and at half of it with the database left out (bench/README.md). A worker's
threads now hand their first votes to ``GroupCommit``: the first thread to arrive runs one
statement for itself and for every vote that is waiting when it starts; votes that arrive while
it runs wait, and one of their threads runs the next statement for all of them. PostgreSQL
commits its WAL for many transactions at once in the same way. Alone, a vote is its own batch
and waits for nothing; under load the batches grow and each vote costs less.

Every thread still answers only once its vote is committed, and gets its own outcome (or the
error that ended the batch).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from shipskip import running

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

MAX_BATCH = 64  # bounds one statement; a worker has a handful of threads, so rarely reached


class _Entry(Generic[Item, Outcome]):
    __slots__ = ("item", "outcome", "error", "lead", "woken")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.outcome: Outcome | None = None
        self.error: BaseException | None = None
        self.lead = False  # this entry's thread is to run the next batch
        # Held until the entry's thread may go on: its batch ran, or it is to lead one. A bare
        # lock, released once by another thread: a thread sleeps once per vote and is woken
        # once, where a shared Condition woke every waiting thread after every batch.
        self.woken = threading.Lock()
        self.woken.acquire()


class GroupCommit(Generic[Item, Outcome]):
    """``submit(item)`` from any thread returns ``run([..., item, ...])``'s outcome for it;
    ``run`` gets the items waiting together and answers one outcome each, in order."""

    def __init__(self, run: Callable[[Sequence[Item]], Sequence[Outcome]]) -> None:
        self._run = run
        self._lock = threading.Lock()
        self._waiting: list[_Entry] = []  # empty whenever no batch runs
        self._running = False
        self.batches = 0  # statements run, for tests and operators

    def submit(self, item: Item) -> Outcome:
        entry: _Entry[Item, Outcome] = _Entry(item)
        with self._lock:
            self._waiting.append(entry)
            if not self._running:  # nothing runs: this thread runs at once
                self._running = entry.lead = True
        if not entry.lead:
            # Until its batch ran, or it is to lead the next one; meanwhile another request of
            # this worker may run in its place (shipskip.running).
            with running.waiting():
                entry.woken.acquire()
        if entry.lead:
            with self._lock:  # the batch: what waits now, this entry first
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            self._lead(batch)
        if entry.error is not None:
            raise entry.error
        return entry.outcome  # type: ignore[return-value]

    def _lead(self, batch: list[_Entry]) -> None:
        try:
            outcomes = self._run([entry.item for entry in batch])
            for entry, outcome in zip(batch, outcomes, strict=True):
                entry.outcome = outcome
        except BaseException as error:  # every vote of the batch fails with it
            for entry in batch:
                entry.error = error
        finally:
            with self._lock:
                self.batches += 1
                # The thread of the first entry waiting runs the next batch: it takes what
                # waits when it wakes, so what arrives while it wakes goes with it.
                leader = self._waiting[0] if self._waiting else None
                self._running = leader is not None
                if leader is not None:
                    leader.lead = True
            for entry in batch[1:]:
                entry.woken.release()
            if leader is not None:
                leader.woken.release()
