"""The current visitor's state for a whole page: one query for any number of tools."""

from __future__ import annotations

from collections.abc import Iterable
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
