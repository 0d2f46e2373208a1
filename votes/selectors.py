"""The current visitor's state for a whole page: one query for any number of tools."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Subquery, Value

from comparisons.models import Tool
from votes.models import Bookmark, Vote
from votes.voters import Voter


def attach_visitor_state(tools: Iterable[Tool], *, voter: Voter | None, user) -> None:
    """Set ``my_vote`` (ship, skip or None) and ``is_bookmarked`` on each tool."""
    tools = list(tools)
    state: dict[int, tuple[str | None, bool]] = {}
    if tools and (voter is not None or user.is_authenticated):
        my_vote = (
            Subquery(Vote.objects.filter(tool=OuterRef("pk"), **voter.lookup).values("value")[:1])
            if voter is not None
            else Value(None)
        )
        bookmarked = (
            Exists(Bookmark.objects.filter(user=user, tool=OuterRef("pk")))
            if user.is_authenticated
            else Value(False)
        )
        rows = (
            Tool.objects.filter(pk__in=[tool.pk for tool in tools])
            .annotate(my_vote=my_vote, bookmarked=bookmarked)
            .values_list("pk", "my_vote", "bookmarked")
        )
        state = {pk: (vote, saved) for pk, vote, saved in rows}
    for tool in tools:
        tool.my_vote, tool.is_bookmarked = state.get(tool.pk, (None, False))


def bookmarked_tools(user) -> list[Tool]:
    """The user's bookmarked published tools, newest bookmark first, ready for cards."""
    return list(
        Tool.objects.published()
        .for_cards()
        .filter(bookmarks__user=user)
        .order_by("-bookmarks__created_at")
    )
