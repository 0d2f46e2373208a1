"""Reads that span relations, bundled per page so each page costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Subquery

from comparisons.models import Comparison, ComparisonEntry, Persona, Review, Tool

MAX_COMPARED = 4


@dataclass
class ScorecardRow:
    persona: Persona
    reviews: list[Review | None]  # one per compared tool, in column order


@dataclass
class ComparisonPage:
    tools: list[Tool]
    personas: list[Persona]
    curated: Comparison | None
    pick_if: dict[int, str]

    @property
    def title(self) -> str:
        return " vs ".join(tool.name for tool in self.tools)

    @property
    def scorecard(self) -> list[ScorecardRow]:
        return [
            ScorecardRow(persona, [tool.review_by(persona) for tool in self.tools])
            for persona in self.personas
        ]

    @property
    def is_draft(self) -> bool:
        drafts = [tool for tool in self.tools if not tool.is_published]
        return bool(drafts) or bool(self.curated and self.curated.status != "published")

    @property
    def picks(self) -> list[tuple[Tool, str]]:
        """The editor's "pick it if…" lines, in column order, when there are any."""
        return [(tool, self.pick_if[tool.pk]) for tool in self.tools if self.pick_if.get(tool.pk)]


def tools_by_slug(slugs: list[str], user) -> dict[str, Tool]:
    """The tools ``user`` may see (staff preview drafts), with everything a comparison column
    shows (three queries)."""
    tools = Tool.objects.visible_to(user).for_detail().filter(slug__in=slugs)
    return {tool.slug: tool for tool in tools}


def curated_entries(tools: list[Tool], user) -> list[ComparisonEntry]:
    """The editor's entries for the curated comparison of exactly these tools that ``user`` may
    see, in order; empty when there is none. One query either way, so every comparison costs
    the same."""
    curated = (
        Comparison.objects.visible_to(user)
        .of_exactly([t.pk for t in tools])
        .order_by("-status", "-published_at")  # a published one before a staff-only draft
        .values("pk")[:1]
    )
    return list(
        ComparisonEntry.objects.filter(comparison=Subquery(curated))
        .select_related("comparison")
        .order_by("position")
    )


def comparison_page(
    tools_by_slug: dict[str, Tool], order: list[str], entries: list[ComparisonEntry]
) -> ComparisonPage:
    return ComparisonPage(
        tools=[tools_by_slug[slug] for slug in order],
        personas=list(Persona.objects.all()),
        curated=entries[0].comparison if entries else None,
        pick_if={entry.tool_id: entry.pick_if for entry in entries},
    )


def canonical_order(tools_by_slug: dict[str, Tool], entries: list[ComparisonEntry]) -> list[str]:
    """One address per set of tools: the editor's order when curated, else alphabetical."""
    if entries:
        slug_by_id = {tool.pk: slug for slug, tool in tools_by_slug.items()}
        return [slug_by_id[entry.tool_id] for entry in entries]
    return sorted(tools_by_slug)


def home_page() -> dict:
    return {
        "comparisons": Comparison.objects.published().with_tools()[:12],
        "tools": list(Tool.objects.published().for_cards().order_by("-published_at", "name")[:9]),
    }
