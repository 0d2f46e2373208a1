"""The API's reads: published rows only, each list a fixed number of queries at any size."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from comparisons.models import (
    Category,
    Comparison,
    ComparisonEntry,
    Persona,
    Status,
    Tool,
)


def published_tools(
    *, category: Category | None = None, verdict: str | None = None
) -> QuerySet[Tool]:
    """Published tools with their category and panel figures (one query a page), by name.

    ``verdict`` (ship, skip or split) keeps the tools whose panel reached it.
    """
    tools = Tool.objects.published().select_related("category").with_verdict()
    if category is not None:
        tools = tools.filter(category=category)
    if verdict:
        tools = tools.filter(panel_verdict=verdict)
    return tools.order_by("name", "slug")


def published_tool(slug: str) -> Tool | None:
    """One published tool with its figures and its reviews in panel order (two queries)."""
    return Tool.objects.published().for_detail().filter(slug=slug).first()


def category_by_slug(slug: str) -> Category | None:
    return Category.objects.filter(slug=slug).first()


def categories() -> QuerySet[Category]:
    """Every category with its number of published tools (one query)."""
    return Category.objects.with_published_counts().order_by("name")


def personas() -> QuerySet[Persona]:
    return Persona.objects.order_by("order", "name")


def published_comparisons(*, category: Category | None = None) -> QuerySet[Comparison]:
    """Published comparisons whose tools are all published, newest first, with their tools in
    the editor's order (two queries a page). ``category`` keeps those with any tool in it."""
    unpublished_tool = ComparisonEntry.objects.filter(comparison=OuterRef("pk")).exclude(
        tool__status=Status.PUBLISHED
    )
    comparisons = Comparison.objects.published().filter(~Exists(unpublished_tool))
    if category is not None:
        in_category = ComparisonEntry.objects.filter(
            comparison=OuterRef("pk"), tool__category=category
        )
        comparisons = comparisons.filter(Exists(in_category))
    return comparisons.with_tools().order_by("-published_at", "-pk")
