"""The current visitor's state for a whole page: one query for any number of tools."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection

from comparisons.models import Tool
from votes.voters import Voter


@dataclass(frozen=True)
class VisitorState:
    """All of one visitor's votes and bookmarks (a visitor has few)."""

    votes: tuple[tuple[int, str], ...] = ()
    bookmarks: tuple[int, ...] = ()

    def apply(self, tools: Iterable[Tool]) -> None:
        votes, bookmarks = dict(self.votes), set(self.bookmarks)
        for tool in tools:
            tool.my_vote, tool.is_bookmarked = votes.get(tool.pk), tool.pk in bookmarks


USER_VOTES = "SELECT tool_id, value FROM votes_vote WHERE user_id = %s"
VISITOR_VOTES = "SELECT tool_id, value FROM votes_vote WHERE anonymous_id = %s"
BOOKMARKS = "SELECT tool_id, 'bookmark' FROM votes_bookmark WHERE user_id = %s"


# A logged-in user's state, read with their session (``accounts.sessions``: the same query), with
# the id it was read for. Only page views take it (``comparisons.pagecache.page_visitor_state``):
# they never write votes or bookmarks, so nothing is newer. It is taken once, for that user only,
# and dropped at the end of the request, so it never serves another request.
preloaded_state: ContextVar[tuple[int, VisitorState] | None] = ContextVar(
    "preloaded_state", default=None
)


def forget_preloaded_state(**kwargs) -> None:
    preloaded_state.set(None)


def preloaded_state_of(user) -> VisitorState | None:
    """``user``'s state as their session read brought it, once; None when it did not."""
    if not user.is_authenticated:  # first: on a lazy request.user, this is the session read
        return None
    loaded = preloaded_state.get()
    preloaded_state.set(None)
    return loaded[1] if loaded is not None and loaded[0] == user.pk else None


def user_state_columns(user_id: str) -> str:
    """Two columns of a query that has the user's id as ``user_id`` (an SQL expression): their
    votes as JSON pairs and their bookmarks as an array, both in tool order, as
    ``state_from_columns`` reads them."""
    # ``user_id`` is the caller's column name, never a value.
    votes = "SELECT json_agg(json_build_array(v.tool_id, v.value) ORDER BY v.tool_id, v.value)"
    votes += f" FROM votes_vote AS v WHERE v.user_id = {user_id}"  # noqa: S608
    bookmarks = "SELECT b.tool_id FROM votes_bookmark AS b"
    bookmarks += f" WHERE b.user_id = {user_id} ORDER BY b.tool_id"
    return f"({votes}), ARRAY({bookmarks})"


def state_from_columns(votes, bookmarks) -> VisitorState:
    """The state ``visitor_state`` would read, from ``user_state_columns``' two values."""
    return VisitorState(
        votes=tuple((tool, value) for tool, value in votes or ()),
        bookmarks=tuple(bookmarks or ()),
    )


def visitor_state(*, voter: Voter | None, user) -> VisitorState:
    """Everything of this visitor's a page can show, in one query (none for a new visitor).

    Written as SQL: it runs on every page a returning visitor sees, and building the ORM's
    UNION cost more than running it."""
    parts, params = [], []
    if voter is not None and voter.user_id is not None:
        parts.append(USER_VOTES)
        params.append(voter.user_id)
    elif voter is not None:
        parts.append(VISITOR_VOTES)
        params.append(voter.anonymous_id)
    if user.is_authenticated:
        parts.append(BOOKMARKS)
        params.append(user.pk)
    if not parts:
        return VisitorState()
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 2", params)
        rows = cursor.fetchall()
    return VisitorState(
        votes=tuple((tool, kind) for tool, kind in rows if kind != "bookmark"),
        bookmarks=tuple(tool for tool, kind in rows if kind == "bookmark"),
    )


def attach_visitor_state(tools: Iterable[Tool], *, voter: Voter | None, user) -> None:
    """Set ``my_vote`` (ship, skip or None) and ``is_bookmarked`` on each tool (one query)."""
    visitor_state(voter=voter, user=user).apply(tools)


def bookmarked_tools(user) -> list[Tool]:
    """The user's bookmarked published tools, newest bookmark first, ready for cards."""
    return list(
        Tool.objects.published()
        .for_cards()
        .filter(bookmarks__user=user)
        .order_by("-bookmarks__created_at")
    )
