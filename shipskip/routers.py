"""Reads that may be a little stale go to the read replica; everything else to the primary.

Active only when DATABASE_REPLICA_URL is set (settings.py adds the ``replica`` alias, this
router and ``ReplicaReadsMiddleware``). Whether a read may be stale is decided per request, not
per model: a GET or HEAD from a visitor who has never written anything here (no session cookie,
no voter cookie) outside the admin, accounts, bookmarks, votes and newsletter pages may read the
replica. Everything else reads the primary: any POST, a logged-in user, a returning voter (the
voter cookie is set by their first vote, so the page after a vote, and every page after it,
reads the primary and replica lag never hides their own vote), the admin, management commands
and tests. Every write goes to the primary, and once a request has written, its later reads go
there too.

One more rule keeps the shared page cache honest. A cached page is keyed on what the worker's
change feed has heard from the primary (``comparisons.pagecache``); a page rendered from a
replica that has not yet replayed those changes would be stored under the new key with the old
contents, and first-time visitors would get it until the next change to what it shows (or the
cache timeout). So the first replica read of a request checks that the replica has replayed the
primary's WAL up to where it stood after everything the feed had heard (one tiny query on each
server; the replica gets up to CATCH_UP_WAIT to get there), and reads the primary for that
request when it has not. A worker remembers a good check for the feed state it was made under,
for up to CONFIRM_FOR: while nothing changes, replica reads cost no extra query. A replica that
cannot be reached is left alone for DOWN_FOR seconds while the primary serves.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from dataclasses import dataclass, field

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"

# Requests under these paths always read the primary: they act on what the visitor just did
# (votes, bookmarks, sign-in, links from an e-mail sent a moment ago) or are the editors' desk.
PRIMARY_PATHS = ("/admin/", "/accounts/", "/bookmarks/", "/votes/", "/newsletter/")
# Models always read on the primary: who someone is, and the rate-limit counters (an UNLOGGED
# table, which a standby cannot read at all).
PRIMARY_APPS = frozenset({"sessions", "auth", "accounts", "admin", "throttle"})

CONFIRM_FOR = 1.0  # seconds a replica check holds for an unchanged feed state
DOWN_FOR = 5.0  # seconds an unreachable replica is left alone
CATCH_UP_WAIT = 0.01  # seconds a request may wait for the replica to replay, then the primary


@dataclass
class Reads:
    """Where one request may read, and where it did."""

    eligible: bool
    alias: str | None = None  # decided at the first read that may go to the replica
    used: set[str] = field(default_factory=set)

    @property
    def summary(self) -> str:
        """'replica', 'primary', 'primary,replica' or 'none' (a cache hit reads nothing)."""
        names = sorted("primary" if alias == PRIMARY else alias for alias in self.used)
        return ",".join(names) or "none"


_current: contextvars.ContextVar[Reads | None] = contextvars.ContextVar(
    "shipskip_reads", default=None
)


def may_read_replica(request) -> bool:
    """True for a request whose reads may be a little stale (see the module's docstring)."""
    from django.conf import settings

    cookies = request.COOKIES
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(PRIMARY_PATHS)
        and settings.SESSION_COOKIE_NAME not in cookies
        and settings.SHIPSKIP_VOTER_COOKIE_NAME not in cookies
    )


def begin(*, eligible: bool) -> contextvars.Token:
    return _current.set(Reads(eligible=eligible))


def end(token: contextvars.Token) -> Reads | None:
    reads = _current.get()
    _current.reset(token)
    return reads


# --- Is the replica as new as what this worker knows? -----------------------------------------

_confirmed: tuple[tuple | None, float] = (None, 0.0)  # (feed state, when) of the last good check
_down_until = 0.0


def _feed_state() -> tuple | None:
    """What the page cache's keys are made of right now, or None while the feed is not
    listening (keys then come from queries on the primary)."""
    from comparisons import pagecache

    snapshot = pagecache.feed.snapshot()
    if snapshot is None:
        return None
    return (snapshot.session, snapshot.catalog, snapshot.community)


def replica_is_current() -> bool:
    """True when the replica has replayed everything this worker's keys may reflect."""
    global _confirmed, _down_until
    now = time.monotonic()
    if now < _down_until:
        return False
    state = _feed_state()  # read before the primary's position, which then covers it
    confirmed_state, confirmed_at = _confirmed
    if state is not None and state == confirmed_state and now - confirmed_at < CONFIRM_FOR:
        return True
    target = primary_position()
    try:
        current = replica_reached(target)
    except DatabaseError as error:
        _down_until = time.monotonic() + DOWN_FOR
        logger.warning("read replica unreachable (%s); the primary serves for %ss", error, DOWN_FOR)
        with contextlib.suppress(DatabaseError):
            connections[REPLICA].close()
        return False
    if current and state is not None:
        _confirmed = (state, now)
    return current


def primary_position() -> str:
    """Where the primary's WAL stands: past every commit the change feed has heard of."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        return cursor.fetchone()[0]


def replica_reached(target: str) -> bool:
    """Whether the replica has replayed up to ``target``, waiting up to CATCH_UP_WAIT for it."""
    deadline = time.monotonic() + CATCH_UP_WAIT
    with connections[REPLICA].cursor() as cursor:
        while True:
            # NULL when the server is not replaying WAL (a promoted replica, or tests' mirror).
            cursor.execute(
                "SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, true)", [target]
            )
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.001)


def forget_checks() -> None:
    """Drop the remembered check and any 'unreachable' pause (tests)."""
    global _confirmed, _down_until
    _confirmed, _down_until = (None, 0.0), 0.0


def replica_is_separate() -> bool:
    """False when the replica alias names the primary's own database: tests, where Django makes
    it a mirror of the test database, or a configuration pointing both at one server. Reading
    it through a second connection would only lose sight of the current transaction."""
    replica, primary = (connections[alias].settings_dict for alias in (REPLICA, PRIMARY))
    return any(replica.get(key) != primary.get(key) for key in ("HOST", "PORT", "NAME"))


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        reads = _current.get()
        if (
            reads is None
            or not reads.eligible
            or model._meta.app_label in PRIMARY_APPS
            or connections[PRIMARY].in_atomic_block  # a read inside a transaction belongs to it
            or not replica_is_separate()
        ):
            alias = PRIMARY
        else:
            if reads.alias is None:
                reads.alias = REPLICA if replica_is_current() else PRIMARY
            alias = reads.alias
        if reads is not None:
            reads.used.add(alias)
        return alias

    def db_for_write(self, model, **hints):
        reads = _current.get()
        if reads is not None:
            reads.eligible = False  # later reads of this request see its own write
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
