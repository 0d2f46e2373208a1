"""Plain functions from models to JSON-ready dicts. They read only what the selectors loaded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from comparisons.models import Category, Comparison, Persona, Review, Tool

Json = dict[str, Any]


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def tool_summary(tool: Tool, request: HttpRequest) -> Json:
    """A tool as lists show it: needs ``for_cards()`` (or ``with_panel()`` and the category)."""
    panel, community = tool.panel, tool.community
    return {
        "slug": tool.slug,
        "name": tool.name,
        "maker": tool.maker,
        "category": {"slug": tool.category.slug, "name": tool.category.name},
        "tagline": tool.tagline,
        "pricing": {
            "text": tool.pricing,
            "entry_price": tool.entry_price,
            "model": tool.pricing_model,
            "source_url": tool.pricing_source_url or None,
            "verified_on": _iso(tool.pricing_verified_on),
        },
        "panel": {
            "verdict": panel.verdict,
            "label": panel.label,
            "ships": panel.ships,
            "skips": panel.skips,
            "ship_percent": panel.ship_percent,
            "average_score": panel.average_score,
        },
        "community": {
            "ships": community.ships,
            "skips": community.skips,
            "votes": community.votes,
            "ship_percent": community.ship_percent,
            "label": community.label,
        },
        "stale": tool.freshness.is_stale,
        "url": _absolute(request, tool.get_absolute_url()),
        "api_url": _absolute(request, reverse("api:tool", args=[tool.slug])),
        "published_at": _iso(tool.published_at),
    }


def review(review: Review) -> Json:
    return {
        "persona": {"slug": review.persona.slug, "name": review.persona.name},
        "score": review.score,
        "verdict": review.verdict,
        "body": review.body,
        "reviewed_on": _iso(review.reviewed_on),
    }


def tool_detail(tool: Tool, request: HttpRequest) -> Json:
    """A tool with its description, website and reviews (prefetched, in panel order)."""
    return {
        **tool_summary(tool, request),
        "description": tool.description,
        "website": tool.website or None,
        "reviews": [review(r) for r in tool.reviews.all()],
    }


def category(category: Category, request: HttpRequest) -> Json:
    """Needs the ``published_tools`` annotation (``selectors.categories()``)."""
    return {
        "slug": category.slug,
        "name": category.name,
        "description": category.description,
        "tools": category.published_tools,
        "url": _absolute(request, reverse("comparisons:category", args=[category.slug])),
    }


def persona(persona: Persona, request: HttpRequest) -> Json:
    return {
        "slug": persona.slug,
        "name": persona.name,
        "motto": persona.motto,
        "lens": persona.lens,
        "likes": persona.likes_list,
        "dislikes": persona.dislikes_list,
        "url": _absolute(request, reverse("comparisons:persona", args=[persona.slug])),
    }


def comparison(comparison: Comparison, request: HttpRequest) -> Json:
    """Needs ``with_tools()``; picks hold only the tools the editor wrote a line for."""
    entries = list(comparison.entries.all())
    return {
        "title": comparison.title,
        "url": _absolute(request, comparison.get_absolute_url()),
        "tools": [entry.tool.slug for entry in entries],
        "editor_note": comparison.editor_note,
        "picks": {entry.tool.slug: entry.pick_if for entry in entries if entry.pick_if},
        "published_at": _iso(comparison.published_at),
    }
