"""Reads that span relations, bundled per page so each page costs a fixed number of queries."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchRank
from django.db.models import Count, F, Func, Q, Subquery

from comparisons.models import Category, Comparison, ComparisonEntry, Persona, Review, Tool

MAX_COMPARED = 4


@dataclass
class ScorecardRow:
    persona: Persona
    reviews: list[Review | None]  # one per compared tool, in column order


@dataclass
class Cell:
    tool: Tool
    text: str
    leader: bool = False
    note: str = ""


@dataclass
class DecisionRow:
    label: str
    cells: list[Cell]
    community: bool = False  # its cells follow community votes in place

    @property
    def differs(self) -> bool:
        return len({cell.text for cell in self.cells}) > 1


def _mark_leader(cells: list[Cell], values: list[float | None], *, highest: bool) -> list[Cell]:
    """Mark the single best value as the row's leader; ties and missing values lead nothing."""
    known = [v for v in values if v is not None]
    if len(known) >= 2:
        best = max(known) if highest else min(known)
        if known.count(best) == 1:
            cells[values.index(best)].leader = True
    return cells


def entry_price_value(text: str) -> float | None:
    """'Free' is 0, '$20/mo' is 20; anything else ('Contact sales') has no comparable value."""
    if text.strip().lower().startswith("free"):
        return 0.0
    match = re.search(r"(\d+(?:\.\d+)?)", text.replace(",", ""))
    return float(match.group(1)) if match else None


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
    def decision_rows(self) -> list[DecisionRow]:
        tools = self.tools
        panels = [tool.panel for tool in tools]
        communities = [tool.community for tool in tools]

        def cells(texts, notes=None) -> list[Cell]:
            notes = notes or [""] * len(tools)
            return [Cell(t, x, note=n) for t, x, n in zip(tools, texts, notes, strict=True)]

        return [
            DecisionRow(
                "Panel verdict",
                _mark_leader(
                    cells([p.summary for p in panels]),
                    [p.ship_percent for p in panels],
                    highest=True,
                ),
            ),
            DecisionRow(
                "Average score",
                _mark_leader(
                    cells(
                        [
                            "—" if p.average_score is None else f"{p.average_score}/100"
                            for p in panels
                        ]
                    ),
                    [p.average for p in panels],
                    highest=True,
                ),
            ),
            DecisionRow(
                "Community",
                _mark_leader(
                    cells([c.label for c in communities]),
                    [c.ship_percent for c in communities],
                    highest=True,
                ),
                community=True,
            ),
            DecisionRow(
                "Entry price",
                _mark_leader(
                    cells([tool.entry_price for tool in tools]),
                    [entry_price_value(tool.entry_price) for tool in tools],
                    highest=False,
                ),
            ),
            DecisionRow(
                "Pricing", cells([t.pricing for t in tools], [_verified(t) for t in tools])
            ),
            DecisionRow("Best for", cells([tool.tagline for tool in tools])),
            DecisionRow("Category", cells([tool.category.name for tool in tools])),
        ]

    @property
    def disagreements(self) -> list[str]:
        """Where the panel is split, and where the panel and the community disagree."""
        notes = []
        for tool in self.tools:
            panel, community = tool.panel, tool.community
            if panel.verdict == "split":
                ships = [r.persona.name for r in tool.reviews.all() if r.verdict == "ship"]
                skips = [r.persona.name for r in tool.reviews.all() if r.verdict == "skip"]
                notes.append(
                    f"The panel is split on {tool.name}: {' and '.join(ships)} ship, "
                    f"{' and '.join(skips)} skip."
                )
            lean = community.lean
            if lean and panel.verdict and lean != panel.verdict:
                notes.append(
                    f"On {tool.name} the panel says {panel.label} but the community leans "
                    f"{lean.capitalize()} ({community.label})."
                )
        return notes

    @property
    def is_draft(self) -> bool:
        drafts = [tool for tool in self.tools if not tool.is_published]
        return bool(drafts) or bool(self.curated and self.curated.status != "published")

    @property
    def picks(self) -> list[tuple[Tool, str]]:
        """The editor's "pick it if…" lines, in column order, when there are any."""
        return [(tool, self.pick_if[tool.pk]) for tool in self.tools if self.pick_if.get(tool.pk)]


def _verified(tool: Tool) -> str:
    return f"verified {tool.pricing_verified_on:%-d %b %Y}" if tool.pricing_verified_on else ""


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


def panel(version=None) -> list[Persona]:
    """The four personas; with a catalog version, from the cache until an editor changes one."""
    if version is None:
        return list(Persona.objects.all())
    from comparisons.pagecache import shared

    return shared("personas", version, lambda: list(Persona.objects.all()))


def comparison_page(
    tools_by_slug: dict[str, Tool],
    order: list[str],
    entries: list[ComparisonEntry],
    version=None,
) -> ComparisonPage:
    return ComparisonPage(
        tools=[tools_by_slug[slug] for slug in order],
        personas=panel(version),
        curated=entries[0].comparison if entries else None,
        pick_if={entry.tool_id: entry.pick_if for entry in entries},
    )


def canonical_order(tools_by_slug: dict[str, Tool], entries: list[ComparisonEntry]) -> list[str]:
    """One address per set of tools: the editor's order when curated, else alphabetical."""
    if entries:
        slug_by_id = {tool.pk: slug for slug, tool in tools_by_slug.items()}
        return [slug_by_id[entry.tool_id] for entry in entries]
    return sorted(tools_by_slug)


def home_page(fingerprint=None) -> dict:
    """The home page's lists. Only the latest tools' cards carry per-visitor state; the rest is
    the same for everyone and kept under the catalog fingerprint."""
    from comparisons.directory import with_community_percent
    from comparisons.pagecache import shared

    published = Tool.objects.published().for_cards()

    def lists() -> dict:
        return {
            "comparisons": list(Comparison.objects.published().with_tools()[:9]),
            "top_panel": list(
                published.order_by(F("panel_average").desc(nulls_last=True), "name")[:5]
            ),
            "top_community": list(
                with_community_percent(published)
                .filter(community_percent__isnull=False)
                .order_by("-community_percent", "-community_votes", "name")[:5]
            ),
            "categories": list(
                Category.objects.with_published_counts().filter(published_tools__gt=0)
            ),
        }

    shared_lists = lists() if fingerprint is None else shared("home", fingerprint, lists)
    return {
        **shared_lists,
        "tools": list(published.order_by("-published_at", "name")[:6]),
    }


def similar_tools(tool: Tool, limit: int = 4) -> list[Tool]:
    """Published tools in the same category, nearest in panel score first (one query)."""
    return list(
        Tool.objects.published()
        .for_cards()
        .filter(category_id=tool.category_id)
        .exclude(pk=tool.pk)
        .annotate(distance=Func(F("panel_average") - (tool.panel.average or 0), function="ABS"))
        .order_by(F("distance").asc(nulls_last=True), "name")[:limit]
    )


def find_tool(text: str) -> Tool | None:
    """The published tool a person most likely meant by ``text``: its slug or exact name,
    else the best full-text match (one or two queries)."""
    from comparisons.directory import prefix_query

    text = " ".join(text.split())[:200]
    if not text:
        return None
    exact = Tool.objects.published().filter(Q(slug=text.lower()) | Q(name__iexact=text)).first()
    if exact is not None:
        return exact
    query = prefix_query(text)
    if query is None:
        return None
    return (
        Tool.objects.published()
        .filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "name")
        .first()
    )


def persona_tally(persona: Persona) -> list[dict]:
    """Per category: how many published tools this persona reviewed, and how many shipped."""
    return list(
        Review.objects.filter(persona=persona, tool__status="published")
        .values(name=F("tool__category__name"), slug=F("tool__category__slug"))
        .annotate(tools=Count("pk"), shipped=Count("pk", filter=Q(verdict="ship")))
        .order_by("name")
    )


def persona_reviews(persona: Persona, category=None) -> list[Review]:
    reviews = (
        Review.objects.filter(persona=persona, tool__status="published")
        .select_related("tool__category")
        .order_by("-reviewed_on", "tool__name")
    )
    if category is not None:
        reviews = reviews.filter(tool__category=category)
    return list(reviews)
