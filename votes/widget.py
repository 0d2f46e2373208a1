"""The vote widget: a tool's Ship and Skip buttons, the community figure and what happened.

Pages draw it through ``{% vote_widget tool %}`` (``votes/templatetags/vote_tags.py``), and every
vote answers with it (``vote_response``): the most frequent POST of all. Drawn with
``format_html``, which escapes every value, rather than by a template: the template engine took
a sixth of a vote's whole cost (0.87 ms in-process on the benchmark machine; this, with the
CSRF token, 0.25 ms).

Without JavaScript it is a plain form that posts and is redirected back (``next``); with htmx the
pressed button posts to the withdraw address and the answer replaces the widget in place.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from comparisons.charts import community_split, split_bar_svg
from comparisons.models import Tool, Verdict
from shipskip.http import reverse_cached

EMPTY = mark_safe("")  # noqa: S308 - a constant


def _button(tool: Tool, value: str, label: str, mine: bool, vote: str, withdraw: str) -> SafeString:
    if mine:
        return format_html(
            '<button type="submit" id="vote-{slug}-{value}"'
            ' class="vote-button vote-button--{value}"'
            ' name="value" value="{value}" aria-pressed="true" formaction="{withdraw}"'
            ' hx-post="{withdraw}" title="Withdraw your {label} vote">{label}</button>',
            slug=tool.slug,
            value=value,
            label=label,
            withdraw=withdraw,
        )
    return format_html(
        '<button type="submit" id="vote-{slug}-{value}" class="vote-button vote-button--{value}"'
        ' name="value" value="{value}" aria-pressed="false" hx-post="{vote}">{label}</button>',
        slug=tool.slug,
        value=value,
        label=label,
        vote=vote,
    )


def vote_widget(
    tool: Tool,
    *,
    csrf_token: str | None,
    return_to: str,
    detail: bool = False,
    error: str = "",
    status_message: str = "",
) -> SafeString:
    """The widget for ``tool``, pressed where ``tool.my_vote`` says. ``detail`` (the tool's own
    page) adds how many votes were counted; ``error`` or ``status_message`` says what happened."""
    vote = reverse_cached("votes:vote", tool.slug)
    withdraw = reverse_cached("votes:withdraw", tool.slug)
    mine = getattr(tool, "my_vote", None)
    community = tool.community
    token = (
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token)
        if csrf_token and csrf_token != "NOTPROVIDED"  # noqa: S105 - Django's "no token"
        else EMPTY
    )
    counted = EMPTY
    if detail:
        votes = community.votes
        counted = format_html(
            '<input type="hidden" name="detail" value="1">'
            '<span class="vote-widget__counted">{} community vote{} counted · '
            '<a href="{}">How votes are counted</a></span>',
            votes,
            "" if votes == 1 else "s",
            reverse_cached("votes:how-votes-are-counted"),
        )
    if error:
        message = format_html(
            '<span class="vote-widget__message vote-widget__message--error" role="alert">{}</span>',
            error,
        )
    elif status_message:
        message = format_html('<span class="vote-widget__message">{}</span>', status_message)
    else:
        message = EMPTY
    return format_html(
        '<form class="vote-widget" id="vote-{slug}" method="post" action="{vote}"'
        ' hx-target="this" hx-swap="outerHTML" aria-label="Your vote on {name}">'
        '{token}<input type="hidden" name="next" value="{return_to}">'
        '<span class="vote-widget__label">Your call</span>'
        '<span class="vote-widget__buttons">{ship}{skip}</span>'
        '<span class="vote-widget__figure community-figure community-figure--{slug}">'
        "{figure}</span>"
        "{counted}{message}</form>",
        slug=tool.slug,
        vote=vote,
        name=tool.name,
        token=token,
        return_to=return_to,
        ship=_button(tool, Verdict.SHIP, "Ship", mine == Verdict.SHIP, vote, withdraw),
        skip=_button(tool, Verdict.SKIP, "Skip", mine == Verdict.SKIP, vote, withdraw),
        figure=community.label,
        counted=counted,
        message=message,
    )


def vote_response(
    tool: Tool, *, csrf_token: str | None, return_to: str, detail: bool, status_message: str
) -> SafeString:
    """What htmx gets after a vote: the widget for its place, and out of band the tool's
    community figure and bar wherever else the page shows them, and the message for screen
    readers in the live region."""
    return format_html(
        '{widget}\n<span hx-swap-oob="innerHTML:.community-figure--{slug}">{figure}</span>\n'
        '<span hx-swap-oob="innerHTML:.community-bar--{slug}">{bar}</span>\n'
        '<div hx-swap-oob="innerHTML:#live-region">{message}</div>\n',
        widget=vote_widget(
            tool,
            csrf_token=csrf_token,
            return_to=return_to,
            detail=detail,
            status_message=status_message,
        ),
        slug=tool.slug,
        figure=tool.community.label,
        bar=split_bar_svg(community_split(tool.community)),
        message=status_message,
    )
