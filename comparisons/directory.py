"""The directory's filters, sorts and search: one GET form, one queryset."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, QuerySet, When
from django.utils import timezone

from comparisons.models import Category, Persona, PricingModel, Review, Tool
from comparisons.verdicts import SHIP, SKIP, SPLIT

SORTS = {
    "score": ("Panel score", [F("panel_average").desc(nulls_last=True), "name"]),
    "community": ("Community ship %", [F("community_percent").desc(nulls_last=True), "name"]),
    "newest": ("Newest", ["-published_at", "name"]),
    "name": ("Name", ["name"]),
}
MAX_QUERY = 200  # longer queries are cut, never refused


class DirectoryForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    category = forms.ChoiceField(required=False)
    pricing = forms.ChoiceField(
        required=False, label="Pricing model", choices=[("", "Any pricing"), *PricingModel.choices]
    )
    verdict = forms.ChoiceField(
        required=False,
        label="Panel verdict",
        choices=[("", "Any verdict"), (SHIP, "Ship"), (SKIP, "Skip"), (SPLIT, "Split panel")],
    )
    stale = forms.ChoiceField(
        required=False,
        label="Freshness",
        choices=[("", "Any age"), ("fresh", "Fresh verdicts"), ("stale", "May be out of date")],
    )
    skipped = forms.ChoiceField(required=False, label="Skipped by")
    shipped = forms.ChoiceField(required=False, label="Shipped by")
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        # Empty means "best first": relevance for a search, panel score otherwise, and it keeps
        # the default out of shareable URLs.
        choices=[("", "Best first"), *((key, label) for key, (label, _) in SORTS.items())],
    )

    def __init__(self, *args, categories: list[Category], personas: list[Persona], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "All categories")] + [
            (c.slug, c.name) for c in categories
        ]
        persona_choices = [("", "Anyone")] + [(p.slug, f"the {p.name}") for p in personas]
        self.fields["skipped"].choices = persona_choices
        self.fields["shipped"].choices = persona_choices

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())[:MAX_QUERY]

    @property
    def active(self) -> dict[str, str]:
        """The filters in force, for links that keep them (without the page number)."""
        data = getattr(self, "cleaned_data", {})
        return {key: value for key, value in data.items() if value}


def search_query(text: str) -> SearchQuery | None:
    """A forgiving full-text query: websearch syntax never raises on punctuation."""
    text = text.strip()
    if not re.search(r"\w", text):
        return None
    return SearchQuery(text, search_type="websearch", config="english")


def prefix_query(text: str) -> SearchQuery | None:
    """For search-as-you-type: every word a prefix ('curs' finds Cursor)."""
    words = re.findall(r"[a-z0-9]+", text.lower())[:8]
    if not words:
        return None
    return SearchQuery(
        " & ".join(f"{word}:*" for word in words), search_type="raw", config="english"
    )


def with_community_percent(tools: QuerySet) -> QuerySet:
    """``community_percent``: the ship share, only once a tool has enough votes to show it."""
    return tools.annotate(community_votes=F("community_ships") + F("community_skips")).annotate(
        community_percent=Case(
            When(
                community_votes__gte=max(settings.SHIPSKIP_COMMUNITY_THRESHOLD, 1),
                then=100.0 * F("community_ships") / F("community_votes"),
            ),
            default=None,
            output_field=FloatField(),
        )
    )


def stale_q() -> Q:
    cutoff = timezone.localdate() - timezone.timedelta(days=settings.SHIPSKIP_STALE_AFTER_DAYS)
    return Q(panel_first_reviewed__lt=cutoff) | Q(pricing_changed_on__gt=F("panel_first_reviewed"))


def directory(data: dict, *, category: Category | None = None) -> tuple[QuerySet, str]:
    """Published tools filtered and sorted by ``data`` (a DirectoryForm's cleaned data)."""
    tools = with_community_percent(Tool.objects.published().for_cards().with_verdict())
    if category is not None:
        tools = tools.filter(category=category)
    elif data.get("category"):
        tools = tools.filter(category__slug=data["category"])
    if data.get("pricing"):
        tools = tools.filter(pricing_model=data["pricing"])
    if data.get("verdict"):
        tools = tools.filter(panel_verdict=data["verdict"])
    if data.get("stale") == "stale":
        tools = tools.filter(stale_q())
    elif data.get("stale") == "fresh":
        tools = tools.exclude(stale_q())
    for field, verdict in (("skipped", SKIP), ("shipped", SHIP)):
        if data.get(field):
            tools = tools.filter(
                Exists(
                    Review.objects.filter(
                        tool=OuterRef("pk"), persona__slug=data[field], verdict=verdict
                    )
                )
            )
    query = search_query(data.get("q", ""))
    sort = data.get("sort") or ("relevance" if query else "score")
    if query is not None:
        tools = tools.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query)
        )
        if sort == "relevance":
            return tools.order_by("-rank", "name"), sort
    return tools.order_by(*SORTS[sort][1]), sort
