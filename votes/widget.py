"""The vote widget: a tool's Ship and Skip buttons, the community figure and what happened.

Pages draw it through ``{% vote_widget tool %}`` (``votes/templatetags/vote_tags.py``), and every
vote answers with it (``vote_response``): the most frequent POST of all. Drawn with f-strings,
every value through ``html.escape`` (what Django's ``escape`` does), rather than by a template:
the template engine took a sixth of a vote's whole cost (0.87 ms in-process on the benchmark
machine), ``format_html`` with its per-value lazy checks 0.18 ms, this 0.06 ms. Tests hold the
markup to its escaping (``tests/integration/test_vote_endpoints.py``).

Without JavaScript it is a plain form that posts and is redirected back (``next``); with htmx the
pressed button posts to the withdraw address and the answer replaces the widget in place.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from comparisons.charts import community_split, split_bar_svg
from comparisons.models import Tool, Verdict
from comparisons.verdicts import CommunityFigure
from shipskip.http import reverse_cached


def _button(slug: str, value: str, label: str, mine: bool, vote: str, withdraw: str) -> str:
    """One button; every argument arrives escaped."""
    if mine:
        return (
            f'<button type="submit" id="vote-{slug}-{value}"'
            f' class="vote-button vote-button--{value}"'
            f' name="value" value="{value}" aria-pressed="true" formaction="{withdraw}"'
            f' hx-post="{withdraw}" title="Withdraw your {label} vote">{label}</button>'
        )
    return (
        f'<button type="submit" id="vote-{slug}-{value}" class="vote-button vote-button--{value}"'
        f' name="value" value="{value}" aria-pressed="false" hx-post="{vote}">{label}</button>'
    )


def vote_widget(
    tool: Tool,
    *,
    csrf_token: str | None,
    return_to: str,
    detail: bool = False,
    error: str = "",
    status_message: str = "",
    community: CommunityFigure | None = None,
) -> SafeString:
    """The widget for ``tool``, pressed where ``tool.my_vote`` says. ``detail`` (the tool's own
    page) adds how many votes were counted; ``error`` or ``status_message`` says what happened.
    Without ``csrf_token`` the form carries none (htmx sends the page's token in a header);
    ``community`` is ``tool.community``, when the caller has it already."""
    slug = escape(tool.slug)
    vote = escape(reverse_cached("votes:vote", tool.slug))
    withdraw = escape(reverse_cached("votes:withdraw", tool.slug))
    mine = getattr(tool, "my_vote", None)
    if community is None:
        community = tool.community
    token = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
        if csrf_token and csrf_token != "NOTPROVIDED"  # noqa: S105 - Django's "no token"
        else ""
    )
    counted = ""
    if detail:
        votes = community.votes
        how = escape(reverse_cached("votes:how-votes-are-counted"))
        counted = (
            '<input type="hidden" name="detail" value="1">'
            f'<span class="vote-widget__counted">{votes} community vote{"" if votes == 1 else "s"}'
            f' counted · <a href="{how}">How votes are counted</a></span>'
        )
    message = ""
    if error:
        message = (
            '<span class="vote-widget__message vote-widget__message--error" role="alert">'
            f"{escape(error)}</span>"
        )
    elif status_message:
        message = f'<span class="vote-widget__message">{escape(status_message)}</span>'
    ship = _button(slug, Verdict.SHIP, "Ship", mine == Verdict.SHIP, vote, withdraw)
    skip = _button(slug, Verdict.SKIP, "Skip", mine == Verdict.SKIP, vote, withdraw)
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<form class="vote-widget" id="vote-{slug}" method="post" action="{vote}"'
        f' hx-target="this" hx-swap="outerHTML" aria-label="Your vote on {escape(tool.name)}">'
        f'{token}<input type="hidden" name="next" value="{escape(return_to)}">'
        '<span class="vote-widget__label">Your call</span>'
        f'<span class="vote-widget__buttons">{ship}{skip}</span>'
        f'<span class="vote-widget__figure community-figure community-figure--{slug}">'
        f"{escape(community.label)}</span>"
        f"{counted}{message}</form>"
    )


def vote_response(
    tool: Tool, *, csrf_token: str | None, return_to: str, detail: bool, status_message: str
) -> SafeString:
    """What htmx gets after a vote: the widget for its place, and out of band the tool's
    community figure and bar wherever else the page shows them, and the message for screen
    readers in the live region."""
    community = tool.community
    widget = vote_widget(
        tool,
        csrf_token=csrf_token,
        return_to=return_to,
        detail=detail,
        status_message=status_message,
        community=community,
    )
    slug = escape(tool.slug)
    return mark_safe(  # noqa: S308 - every value is escaped (the widget and bar by their makers)
        f'{widget}\n<span hx-swap-oob="innerHTML:.community-figure--{slug}">'
        f"{escape(community.label)}</span>\n"
        f'<span hx-swap-oob="innerHTML:.community-bar--{slug}">'
        f"{split_bar_svg(community_split(community))}</span>\n"
        f'<div hx-swap-oob="innerHTML:#live-region">{escape(status_message)}</div>\n'
    )
