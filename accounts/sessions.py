"""Django's database sessions, read together with the user they log in.

Every logged-in request reads its session, then its user. Each read was already one plain query
(building the ORM query cost twice as much as running it: 0.30 ms a request with the ORM,
0.09 ms as plain SQL, measured in-process on the benchmark catalog); a round trip to PostgreSQL
still cost a logged-in page about a tenth of its throughput. So the session row carries the id of
the user it logs in (``accounts.models.Session``, set whenever the session is saved), one query
reads the session joined to that user, and ``AccountBackend.get_user`` takes the user from here
instead of asking again. The same query brings the user's votes and bookmarks, which every page
a logged-in user sees needs for its cache key (``comparisons.pagecache.visitor_key`` takes them
from here): a second
round trip cost a logged-in comparison page a quarter of its CPU (0.96 → 0.72 ms in-process).
Everything else, writes, expiry, cycling keys, is Django's own.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from functools import cache

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import db
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.utils import timezone

from votes.selectors import preloaded_state, state_from_columns, user_state_columns

# The user the last session read in this thread (or task) brought, with the id it was read for:
# ``AccountBackend.get_user`` takes it once, for that id only, and it is dropped when the request
# ends (``forget_loaded_user``), so nothing read for one request can serve another.
loaded_user: ContextVar[tuple[str, object] | None] = ContextVar("loaded_user", default=None)


def forget_loaded_user(**kwargs) -> None:
    loaded_user.set(None)


# Session data already verified and decoded, by the signed text it came from (and the keys it
# was checked with), as JSON text: each request gets fresh objects. Checking the signature cost
# a twentieth of a logged-in page, and a session's text changes only when the session is saved.
_DECODED: dict[tuple, str] = {}
DECODED_MAX = 4096


@cache
def _read_sql(alias: str, session_table: str) -> tuple[str, list[str], int]:
    """The session read joined to its user and the user's votes and bookmarks (the last two
    columns), the user's field names, and where in a row the user's primary key is; built once
    per alias."""
    quote = connections[alias].ops.quote_name
    user_model = get_user_model()
    fields = user_model._meta.concrete_fields
    columns = ", ".join(f"u.{quote(field.column)}" for field in fields)
    user_id = f"u.{quote(user_model._meta.pk.column)}"
    sql = (
        f"SELECT s.session_data, {columns}, {user_state_columns(user_id)} "  # noqa: S608
        f"FROM {quote(session_table)} AS s "
        f"LEFT JOIN {quote(user_model._meta.db_table)} AS u "
        f"ON {user_id} = s.user_id "
        "WHERE s.session_key = %s AND s.expire_date > %s"
    )
    attnames = [field.attname for field in fields]
    return sql, attnames, 1 + attnames.index(user_model._meta.pk.attname)


class SessionStore(db.SessionStore):
    @classmethod
    def get_model_class(cls):
        from accounts.models import Session

        return Session

    def decode(self, session_data):
        known = (settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS), session_data)
        text = _DECODED.get(known)
        if text is not None:
            return json.loads(text)
        data = super().decode(session_data)  # {} when the signature or the data is bad
        if data:
            if len(_DECODED) >= DECODED_MAX:
                _DECODED.clear()
            _DECODED[known] = json.dumps(data)
        return data

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        try:
            session.user_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            session.user_id = None
        return session

    def _get_session_from_db(self):
        loaded_user.set(None)
        preloaded_state.set(None)
        if self.session_key is None:  # no cookie, or one that failed Django's validation
            return None
        model = self.model
        alias = router.db_for_read(model)
        sql, attnames, pk_at = _read_sql(alias, model._meta.db_table)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        if row[pk_at] is not None:
            user = get_user_model().from_db(alias, attnames, row[1 : 1 + len(attnames)])
            loaded_user.set((str(user.pk), user))
            if alias == DEFAULT_DB_ALIAS:  # where votes are read; never a replica's copy
                preloaded_state.set((user.pk, state_from_columns(*row[-2:])))
        return model(session_key=self.session_key, session_data=row[0])
