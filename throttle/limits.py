"""Fixed-window rate limits stored in PostgreSQL, so they hold across gunicorn workers and nodes.

A rate reads like "30/m": thirty hits a minute (s, m, h and d are understood; "10/15m" is ten per
fifteen minutes). Each hit is one atomic upsert; nothing but the key is stored, and callers pass
keys that hold no personal data (client addresses arrive already hashed).
"""

from __future__ import annotations

import functools
import json
import re
import time
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    @functools.lru_cache(maxsize=64)  # every vote parses the same two settings
    def parse(cls, text: str) -> Rate:
        match = _RATE.match(text.strip())
        if not match:
            raise ImproperlyConfigured(f"A rate looks like '30/m' or '10/15m', not {text!r}.")
        count, multiplier, unit = match.groups()
        return cls(int(count), int(multiplier or 1) * _UNITS[unit])

    def window(self, now: float | None = None) -> int:
        return int(now if now is not None else time.time()) // self.period

    def expires_at(self, window: int) -> int:
        """When ``window`` ends, in epoch seconds."""
        return (window + 1) * self.period

    def retry_after(self, now: float | None = None) -> int:
        now = now if now is not None else time.time()
        return self.period - int(now) % self.period


# How a counter takes new hits: within its window they add up, in a new window it starts again
# from them. Every statement that counts hits ends its INSERT with this.
COUNT_HITS = """
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN counter."window" = EXCLUDED."window"
                THEN counter.hits + EXCLUDED.hits ELSE EXCLUDED.hits END,
    "window" = EXCLUDED."window",
    expires_at = EXCLUDED.expires_at
"""

_HIT = f"""
INSERT INTO throttle_counter AS counter (key, "window", hits, expires_at) VALUES (%s, %s, 1, %s)
{COUNT_HITS}
RETURNING hits
"""  # noqa: S608 - constants only

# Hits of many requests counted inside a larger statement (``votes.services.first_votes``), as
# three CTEs to put after its WITH: ``hit``, one row a hit, from the JSON parameter ``hits``
# (``hits_json``); ``hits``, each key's count afterwards, the counters taken in key order so two
# such statements never wait on each other; ``refused``, the ``ord`` of every request with a hit
# past its rate, this statement's hits placed in ``ord`` order after the earlier ones. Every hit
# is counted, refused or not, as ``hit_all`` counts them.
HITS_CTES = f"""
hit AS (
    SELECT * FROM json_to_recordset(%(hits)s::json)
        AS hit(ord int, key text, "limit" int, "window" bigint, expires_at bigint)
), hits AS (
    INSERT INTO throttle_counter AS counter (key, "window", hits, expires_at)
    SELECT key, max("window"), count(*), max(expires_at) FROM hit GROUP BY key ORDER BY key
    {COUNT_HITS}
    RETURNING key, hits
), refused AS (
    SELECT DISTINCT ord FROM (
        SELECT hit.ord, hit."limit",
               hits.hits - count(*) OVER (PARTITION BY hit.key)
                   + row_number() OVER (PARTITION BY hit.key ORDER BY hit.ord) AS nth
          FROM hit JOIN hits USING (key)
    ) AS numbered
     WHERE nth > "limit"
)"""  # noqa: S608 - constants only


def hits_json(checks_by_ord: list[tuple[tuple[str, Rate], ...]], now: float | None = None) -> str:
    """The ``hits`` parameter of ``HITS_CTES``: each request's (key, rate) checks, by its ord."""
    now = now if now is not None else time.time()
    hits = []
    for ord, checks in enumerate(checks_by_ord):
        for key, rate in checks:
            window = rate.window(now)
            hits.append(
                {
                    "ord": ord,
                    "key": key,
                    "limit": rate.limit,
                    "window": window,
                    "expires_at": rate.expires_at(window),
                }
            )
    return json.dumps(hits)


def hit(key: str, rate: Rate) -> bool:
    """Count one hit for ``key``; True while the key is within its rate."""
    window = rate.window()
    with connection.cursor() as cursor:
        cursor.execute(_HIT, [key, window, rate.expires_at(window)])
        (hits,) = cursor.fetchone()
    return hits <= rate.limit


def hit_all(checks: list[tuple[str, Rate]]) -> bool:
    """Count one hit on each key in a single statement; True while every key is within its
    rate (every key is counted either way)."""
    params = []
    for key, rate in checks:
        window = rate.window()
        params += [key, window, rate.expires_at(window)]
    with connection.cursor() as cursor:
        cursor.execute(_hit_many_sql(len(checks)), params)
        hits = dict(cursor.fetchall())
    return all(hits[key] <= rate.limit for key, rate in checks)


@functools.cache
def _hit_many_sql(count: int) -> str:
    values = ", ".join(["(%s, %s, 1, %s)"] * count)
    return _HIT.replace("VALUES (%s, %s, 1, %s)", f"VALUES {values}").replace(
        "RETURNING hits", "RETURNING key, hits"
    )


def exceeded(key: str, rate: Rate) -> bool:
    """True when ``key`` has already used its whole rate in this window (counts nothing)."""
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT hits FROM throttle_counter WHERE key = %s AND "window" = %s',
            [key, rate.window()],
        )
        row = cursor.fetchone()
    return row is not None and row[0] >= rate.limit


def purge_expired(now: float | None = None) -> int:
    """Delete the counters whose window has ended (they count nothing any more); returns how
    many went. Every first-time voter leaves one row, so run this now and then
    (``manage.py purge_rate_limits``, e.g. hourly)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM throttle_counter WHERE expires_at <= %s",
            [int(now if now is not None else time.time())],
        )
        return cursor.rowcount


def clear(key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM throttle_counter WHERE key = %s", [key])
