"""What the page cache keys on, held in each web worker's memory and kept current by PostgreSQL.

Every cached page is keyed on the catalog version and the community counts it shows
(``comparisons.pagecache``). Asking PostgreSQL for them costs a round trip on every request, more
than the rest of a cache hit. Instead, each worker runs one thread with its own connection that
LISTENs to the notifications migration 0007 sends from triggers:

- ``shipskip_catalog``: the new catalog version, after any editorial write commits;
- ``shipskip_community``: tools' slugs, space-separated, after a change to their community
  counts commits
  (sent by ``announce_counts``, which ``votes.services`` has the worker's ``announcer`` call
  once the change is committed, in batches: a NOTIFY inside the vote's own transaction would
  make votes commit one at a time).

Notifications are sent only after the change commits, so a worker never learns of a
change before it is visible; a render that starts after the notification reads the new data.
Counts are not copied: each notification moves a counter (per tool, and one for all tools), and
the counters belong to one listening session (``session``, a random id), so a worker that lost
its connection and missed notifications starts new counters that no cached key has used.

While the listener is not connected (not started, reconnecting, or PostgreSQL restarting),
``snapshot()`` answers None and the page cache asks PostgreSQL as before: never a stale key.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

CATALOG_CHANNEL = "shipskip_catalog"
COMMUNITY_CHANNEL = "shipskip_community"
RETRY_SECONDS = (0.5, 1, 2, 5)  # between reconnection attempts, then 5 s each


@dataclass
class Snapshot:
    """One listening session's view: replaced whole on reconnection, moved by notifications."""

    session: str
    catalog: int
    community: int = 0  # notifications about any tool's counts
    tools: dict[str, int] = field(default_factory=dict)  # slug → notifications about its counts

    def tool_keys(self, slugs: list[str]) -> tuple[int, ...]:
        return tuple(self.tools.get(slug, 0) for slug in slugs)


class ChangeFeed:
    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self._snapshot: Snapshot | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._connection: psycopg.Connection | None = None
        self.backend_pid: int | None = None  # the listening PostgreSQL backend, for operators

    def snapshot(self) -> Snapshot | None:
        """The live view, or None while not listening (the caller asks PostgreSQL instead)."""
        return self._snapshot

    def start(self) -> None:
        """Listen in a daemon thread (once per process; gunicorn calls this in each worker)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="shipskip-changefeed", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        self._snapshot = None
        connection = self._connection
        if connection is not None:
            with contextlib.suppress(psycopg.Error):  # already closed
                connection.cancel_safe()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_until_listening(self, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while self._snapshot is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._snapshot is not None

    # -----------------------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection:
        # The same server, database and options as Django's own connections (psycopg takes
        # every one of Django's connection parameters as they are).
        return psycopg.connect(**connections[self.alias].get_connection_params(), autocommit=True)

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                with self._connect() as connection:
                    self._connection = connection
                    self.backend_pid = connection.info.backend_pid
                    connection.execute(f"LISTEN {CATALOG_CHANNEL}")
                    connection.execute(f"LISTEN {COMMUNITY_CHANNEL}")
                    # Read after LISTEN: a change committed from here on is also notified.
                    row = connection.execute(
                        "SELECT version FROM comparisons_catalogversion WHERE id = 1"
                    ).fetchone()
                    self._snapshot = Snapshot(secrets.token_hex(8), row[0] if row else 0)
                    attempt = 0
                    logger.info("change feed listening")
                    while not self._stop.is_set():
                        for notify in connection.notifies(timeout=1):
                            self._apply(notify.channel, notify.payload)
            except Exception as error:  # connection lost or refused: fall back, then retry
                self._snapshot = None
                if self._stop.is_set():
                    break
                delay = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
                attempt += 1
                logger.warning("change feed not listening (%s); retrying in %s s", error, delay)
                self._stop.wait(delay)
            finally:
                self._snapshot = None
                self._connection = None

    def _apply(self, channel: str, payload: str) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            return
        if channel == CATALOG_CHANNEL:
            snapshot.catalog = max(snapshot.catalog, int(payload))
        elif channel == COMMUNITY_CHANNEL:
            tools = snapshot.tools
            for slug in payload.split():  # one slug from a trigger, many from announce_counts
                tools[slug] = tools.get(slug, 0) + 1
            snapshot.community += 1


feed = ChangeFeed()


ANNOUNCE_SQL = (
    # Its own transaction, committed without waiting for the disk: a notification lost in a
    # crash costs nothing, as every listener then reconnects under a new session.
    "SELECT set_config('synchronous_commit', 'off', true), "
    "pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload"
)
# A notification's payload holds at most 8000 bytes; slugs are ASCII without spaces.
PAYLOAD_BYTES = 7900


def _payloads(slugs: list[str]) -> list[str]:
    """The slugs joined by spaces, as few payloads as fit: each notification wakes every
    listener and costs each a Python loop, so a batch of a hundred tools is one, not a hundred."""
    payloads = []
    for slug in slugs:
        if payloads and len(payloads[-1]) + 1 + len(slug) <= PAYLOAD_BYTES:
            payloads[-1] += " " + slug
        else:
            payloads.append(slug)
    return payloads


def announce_counts(slugs, using: str = "default") -> None:
    """Tell every worker's feed that these tools' community counts changed. Call it after the
    change has committed (``transaction.on_commit``), never inside the writing transaction:
    PostgreSQL commits notifying transactions one at a time, holding a lock through the WAL
    flush. Every change to counts goes through ``votes.services``, which calls this; a count
    changed by hand shows on cached pages after their timeout (``pagecache.TIMEOUT``)."""
    slugs = sorted(set(slugs))
    if not slugs:
        return
    with connections[using].cursor() as cursor:
        cursor.execute(ANNOUNCE_SQL, [COMMUNITY_CHANNEL, _payloads(slugs)])


# How long the announcer gathers count changes before it sends them: the most a vote's count
# waits to reach other workers' cached pages (a voter's own pages key on their vote already).
ANNOUNCE_EVERY_SECONDS = 0.05


class Announcer:
    """Sends a worker's count announcements in batches, from a thread of its own.

    Each announcement wakes every worker's listener and its PostgreSQL backend, and costs the
    request that makes it a round trip: under load that was a sixth of a vote's whole cost.
    Once started (in each gunicorn worker), ``announce`` only adds the slugs to a set; the
    thread sends whatever gathered in ``ANNOUNCE_EVERY_SECONDS`` as one transaction, so a busy
    tool is announced once per batch and listeners wake once per batch. Not started (tests,
    commands, ``runserver``), ``announce`` announces at once, on the caller's connection.

    Slugs are kept until they are sent: a batch that fails (PostgreSQL away) is retried, and
    ``stop`` (gunicorn's worker_exit) sends what is left. A worker killed outright loses at
    most one batch; those tools' pages in other workers then wait for the next change or the
    cache timeout.
    """

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self._pending: set[str] = set()
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def announce(self, slugs) -> None:
        if self._thread is None:
            announce_counts(slugs, self.alias)
            return
        with self._wake:
            idle = not self._pending
            self._pending.update(slugs)
            if idle:  # the first change of a batch starts its clock; the rest just join it
                self._wake.notify()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="shipskip-announcer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        """Send what is pending and end the thread; announcements are immediate again."""
        thread = self._thread
        if thread is None:
            return
        with self._wake:
            self._stopping = True
            self._wake.notify()
        thread.join(timeout)
        self._thread = None
        with self._wake:  # anything that arrived while the thread was ending
            leftover, self._pending = self._pending, set()
        if leftover:
            self._send(leftover)

    def _run(self) -> None:
        stopped = lambda: self._stopping  # noqa: E731
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._pending or self._stopping)
                self._wake.wait_for(stopped, ANNOUNCE_EVERY_SECONDS)  # the batch gathers
                slugs, self._pending = self._pending, set()
                stopping = self._stopping
            if slugs and not self._send(slugs) and not stopping:
                with self._wake:
                    self._pending |= slugs  # kept for the next attempt
                    self._wake.wait_for(stopped, RETRY_SECONDS[1])
            if stopping:
                connections[self.alias].close()  # this thread's own connection
                return

    def _send(self, slugs: set[str]) -> bool:
        try:
            announce_counts(slugs, self.alias)
        except Exception as error:  # PostgreSQL away: the next attempt reconnects
            logger.warning("count changes not announced yet (%s); retrying", error)
            connections[self.alias].close()
            return False
        return True


announcer = Announcer()


def start_if_enabled() -> None:
    """Called by gunicorn in each worker (gunicorn.conf.py); off with SHIPSKIP_CHANGE_FEED=false
    (e.g. behind a transaction-pooling PgBouncer, where LISTEN does not work)."""
    if settings.SHIPSKIP_CHANGE_FEED:
        feed.start()
        announcer.start()
