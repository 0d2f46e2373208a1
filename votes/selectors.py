"""The current visitor's state for a whole page: one query for any number of tools."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Value

from comparisons.models import Tool
from votes.models import Bookmark, Vote
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


def visitor_state(*, voter: Voter | None, user) -> VisitorState:
    """Everything of this visitor's a page can show, in one query (none for a new visitor)."""
    parts = []
    if voter is not None:
        parts.append(Vote.objects.filter(**voter.lookup).values_list("tool_id", "value"))
    if user.is_authenticated:
        parts.append(
            Bookmark.objects.filter(user=user)
            .annotate(kind=Value("bookmark"))
            .values_list("tool_id", "kind")
        )
    if not parts:
        return VisitorState()
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = sorted(rows)
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
