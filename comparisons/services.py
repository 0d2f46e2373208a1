"""Editorial writes: publishing and revising verdicts. The admin calls these; nothing here
lives in ``save()`` or a signal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from comparisons.models import Comparison, Persona, Review, ReviewRevision, Status, Tool

# Editing any of these means the pricing a verdict was based on may have changed.
PRICING_FIELDS = {"pricing", "entry_price", "pricing_model"}


def missing_personas(persona_ids: Iterable[int]) -> list[Persona]:
    present = set(persona_ids)
    return [persona for persona in Persona.objects.all() if persona.pk not in present]


def publish_message_for_missing(missing: list[Persona]) -> str:
    names = ", ".join(persona.name for persona in missing)
    return (
        "A tool can be published only when every persona has reviewed it. "
        f"Missing: {names}. Add the missing reviews, or save it as a draft."
    )


def draft_tools_message(drafts: list[Tool]) -> str:
    names = ", ".join(tool.name for tool in drafts)
    return f"A comparison can be published only when all of its tools are. Still drafts: {names}."


def mark_published(obj: Tool | Comparison) -> None:
    """Fill ``published_at`` the first time an object goes out (the database requires it)."""
    if obj.status == Status.PUBLISHED and obj.published_at is None:
        obj.published_at = timezone.now()


def _publish(objects: Iterable, refusal) -> tuple[list, list[tuple[object, str]]]:
    """Publish each object that ``refusal`` finds nothing wrong with; return (published,
    refused with the reason in words)."""
    published, refused = [], []
    for obj in objects:
        why = refusal(obj)
        if why:
            refused.append((obj, why))
        elif obj.status != Status.PUBLISHED:
            obj.status = Status.PUBLISHED
            mark_published(obj)
            obj.save(update_fields=["status", "published_at", "updated_at"])
            published.append(obj)
    return published, refused


def _tool_refusal(tool: Tool) -> str | None:
    missing = missing_personas(tool.reviews.values_list("persona_id", flat=True))
    return publish_message_for_missing(missing) if missing else None


def _comparison_refusal(comparison: Comparison) -> str | None:
    drafts = [tool for tool in comparison.tools.all() if tool.status != Status.PUBLISHED]
    return draft_tools_message(drafts) if drafts else None


@transaction.atomic
def tools_publish(tools: Iterable[Tool]) -> tuple[list[Tool], list[tuple[Tool, str]]]:
    """Publish every tool the whole panel has reviewed."""
    return _publish(tools, _tool_refusal)


@transaction.atomic
def comparisons_publish(
    comparisons: Iterable[Comparison],
) -> tuple[list[Comparison], list[tuple[Comparison, str]]]:
    """Publish every comparison whose tools are all published."""
    return _publish(comparisons, _comparison_refusal)


def unpublish(objects: Iterable[Tool | Comparison]) -> list:
    changed = [obj for obj in objects if obj.status == Status.PUBLISHED]
    for obj in changed:
        obj.status = Status.DRAFT
        obj.save(update_fields=["status", "updated_at"])
    return changed


def review_revise(
    *,
    review: Review,
    old_score: int,
    old_verdict: str,
    old_reviewed_on: dt.date,
    date_edited: bool,
) -> ReviewRevision:
    """Keep a review's earlier score and verdict before an editor's change is saved.

    Unless the editor set the review date themselves, the revised review is dated today.
    """
    revision = ReviewRevision.objects.create(
        review=review, score=old_score, verdict=old_verdict, reviewed_on=old_reviewed_on
    )
    if not date_edited:
        review.reviewed_on = timezone.localdate()
    return revision
