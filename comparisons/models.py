from __future__ import annotations

import re

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Avg, Case, Count, F, Min, Prefetch, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from comparisons.verdicts import SHIP, SKIP, SPLIT, CommunityFigure, Freshness, PanelVerdict
from shipskip.http import reverse_cached

COMPARE_SEPARATOR = "-vs-"

tool_slug_validator = RegexValidator(
    r"-vs-",
    inverse_match=True,
    message="A tool's slug cannot contain “-vs-”: comparison addresses use it to join slugs.",
)


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Verdict(models.TextChoices):
    SHIP = SHIP, "Ship"
    SKIP = SKIP, "Skip"


class PricingModel(models.TextChoices):
    FREE = "free", "Free"
    FREEMIUM = "freemium", "Freemium"
    PAID = "paid", "Paid"
    OPEN_WEIGHTS = "open_weights", "Open weights"


class CategoryQuerySet(models.QuerySet):
    def with_published_counts(self) -> CategoryQuerySet:
        """Annotate ``published_tools``: how many of its tools are published."""
        return self.annotate(
            published_tools=Count("tools", filter=Q(tools__status=Status.PUBLISHED))
        )


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Persona(models.Model):
    """One reviewer of the fixed panel (Builder, Skeptic, Futurist, Founder)."""

    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(default=0)
    motto = models.CharField(max_length=200)
    lens = models.TextField(help_text="What this persona judges.")
    likes = models.TextField(blank=True, help_text="Gets excited about: one item per line.")
    dislikes = models.TextField(blank=True, help_text="Tired of: one item per line.")

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def likes_list(self) -> list[str]:
        return [line.strip() for line in self.likes.splitlines() if line.strip()]

    @property
    def dislikes_list(self) -> list[str]:
        return [line.strip() for line in self.dislikes.splitlines() if line.strip()]


class ToolQuerySet(models.QuerySet):
    def published(self) -> ToolQuerySet:
        return self.filter(status=Status.PUBLISHED)

    def with_panel(self) -> ToolQuerySet:
        """Annotate the figures ``Tool.panel`` reads, in the same query as the tools."""
        return self.annotate(
            panel_ships=Count("reviews", filter=Q(reviews__verdict=Verdict.SHIP)),
            panel_skips=Count("reviews", filter=Q(reviews__verdict=Verdict.SKIP)),
            panel_average=Avg("reviews__score"),
            panel_first_reviewed=Min("reviews__reviewed_on"),
        )

    def with_verdict(self) -> ToolQuerySet:
        """``with_panel`` plus ``panel_verdict`` (ship, skip, split or None), to filter on."""
        return self.with_panel().annotate(
            panel_verdict=Case(
                When(panel_ships__gt=F("panel_skips"), then=Value(SHIP)),
                When(panel_skips__gt=F("panel_ships"), then=Value(SKIP)),
                When(panel_ships__gt=0, then=Value(SPLIT)),
                default=None,
                output_field=models.CharField(),
            )
        )

    def visible_to(self, user) -> ToolQuerySet:
        """Published tools; staff also see drafts, to preview them."""
        return self if user.is_staff else self.published()

    def for_cards(self) -> ToolQuerySet:
        """Everything a tool card shows, in one query."""
        return self.select_related("category").with_panel()

    def for_detail(self, *, history: bool = False) -> ToolQuerySet:
        """A card plus its reviews with their personas: two queries for any number of tools
        (a third with ``history``: each review's earlier verdicts)."""
        reviews = Review.objects.select_related("persona").order_by("persona__order")
        if history:
            reviews = reviews.prefetch_related("revisions")
        return self.for_cards().prefetch_related(Prefetch("reviews", queryset=reviews))


class Tool(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True, validators=[tool_slug_validator])
    maker = models.CharField(max_length=120)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tools")
    tagline = models.CharField("best for", max_length=160)
    description = models.TextField()
    pricing = models.CharField("pricing text", max_length=255)
    entry_price = models.CharField(max_length=40, help_text="For example “Free” or “$20/mo”.")
    pricing_model = models.CharField(max_length=20, choices=PricingModel.choices)
    website = models.URLField(blank=True)
    pricing_source_url = models.URLField("pricing source", blank=True)
    pricing_verified_on = models.DateField(null=True, blank=True)
    pricing_changed_on = models.DateField(
        null=True,
        blank=True,
        help_text="Set automatically when the pricing text, entry price or model changes. "
        "Reviews older than this make the verdict stale.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    # Community votes, recomputed from the votes table in the transaction that writes a vote.
    community_ships = models.PositiveIntegerField(default=0, editable=False)
    community_skips = models.PositiveIntegerField(default=0, editable=False)
    # Maintained by PostgreSQL triggers (see migration 0005) from the tool's texts and its reviews.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ToolQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["search_vector"], name="tool_search_vector"),
            models.Index(fields=["status", "-published_at"], name="tool_status_published"),
            models.Index(fields=["category", "status"], name="tool_category_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(slug__contains=COMPARE_SEPARATOR), name="tool_slug_without_vs"
            ),
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT) | Q(published_at__isnull=False),
                name="tool_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse_cached("comparisons:tool", self.slug)

    @property
    def initial(self) -> str:
        return self.name[:1].upper()

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def panel(self) -> PanelVerdict:
        if not hasattr(self, "panel_ships"):
            counts = self.reviews.aggregate(
                panel_ships=Count("pk", filter=Q(verdict=Verdict.SHIP)),
                panel_skips=Count("pk", filter=Q(verdict=Verdict.SKIP)),
                panel_average=Avg("score"),
            )
            for name, value in counts.items():
                setattr(self, name, value)
        return PanelVerdict(self.panel_ships, self.panel_skips, self.panel_average)

    @property
    def community(self) -> CommunityFigure:
        return CommunityFigure(
            self.community_ships, self.community_skips, settings.SHIPSKIP_COMMUNITY_THRESHOLD
        )

    @property
    def freshness(self) -> Freshness:
        if not hasattr(self, "panel_first_reviewed"):
            self.panel_first_reviewed = self.reviews.aggregate(first=Min("reviewed_on"))["first"]
        return Freshness(
            first_reviewed=self.panel_first_reviewed,
            pricing_changed=self.pricing_changed_on,
            today=timezone.localdate(),
            max_age_days=settings.SHIPSKIP_STALE_AFTER_DAYS,
        )

    @property
    def verdict_history(self) -> list[tuple[Review, ReviewRevision]]:
        """Earlier verdicts, newest change first, from prefetched reviews (no query)."""
        history = [(review, rev) for review in self.reviews.all() for rev in review.revisions.all()]
        return sorted(history, key=lambda pair: pair[1].replaced_at, reverse=True)

    def review_by(self, persona: Persona) -> Review | None:
        """This tool's review by ``persona``, from prefetched reviews (no query)."""
        return next((r for r in self.reviews.all() if r.persona_id == persona.pk), None)


class Review(models.Model):
    """One persona's verdict on one tool."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="reviews")
    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="reviews")
    score = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(0, "A score is a whole number from 0 to 100."),
            MaxValueValidator(100, "A score is a whole number from 0 to 100."),
        ],
        help_text="0 to 100.",
    )
    verdict = models.CharField(max_length=4, choices=Verdict.choices)
    body = models.TextField()
    reviewed_on = models.DateField(default=timezone.localdate)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["persona__order"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "persona"], name="one_review_per_persona"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="review_score_0_100"
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=[SHIP, SKIP]), name="review_verdict_ship_or_skip"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.persona} on {self.tool}: {self.score} · {self.verdict}"

    @property
    def quote(self) -> str:
        """The review's first sentence, for lists of verdicts."""
        first = re.split(r"(?<=[.!?])\s", self.body.strip(), maxsplit=1)[0]
        return first if len(first) <= 220 else first[:217].rsplit(" ", 1)[0] + "…"


class ReviewRevision(models.Model):
    """A review's earlier score and verdict, kept when an editor changes either."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="revisions")
    score = models.PositiveSmallIntegerField()
    verdict = models.CharField(max_length=4, choices=Verdict.choices)
    reviewed_on = models.DateField(help_text="When the earlier verdict was given.")
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.review.persona} on {self.review.tool}: was {self.score} · {self.verdict}"


class ComparisonQuerySet(models.QuerySet):
    def published(self) -> ComparisonQuerySet:
        """Published comparisons whose tools are all still published (a tool taken back to
        draft takes its comparisons off the site with it)."""
        return self.filter(status=Status.PUBLISHED).exclude(entries__tool__status=Status.DRAFT)

    def visible_to(self, user) -> ComparisonQuerySet:
        return self if user.is_staff else self.published()

    def with_tools(self) -> ComparisonQuerySet:
        entries = ComparisonEntry.objects.select_related("tool").order_by("position")
        return self.prefetch_related(Prefetch("entries", queryset=entries))

    def of_exactly(self, tool_ids: list[int]) -> ComparisonQuerySet:
        """Comparisons whose tools are exactly ``tool_ids``, in any order (one query)."""
        return self.annotate(
            tool_count=Count("entries", distinct=True),
            matching=Count("entries", filter=Q(entries__tool_id__in=tool_ids), distinct=True),
        ).filter(tool_count=len(tool_ids), matching=len(tool_ids))


class Comparison(models.Model):
    """An editor-curated set of two or more tools, side by side."""

    tools = models.ManyToManyField(Tool, through="ComparisonEntry", related_name="comparisons")
    editor_note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComparisonQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT) | Q(published_at__isnull=False),
                name="comparison_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Comparison {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("comparisons:compare", args=[self.slug])

    @property
    def ordered_tools(self) -> list[Tool]:
        return [entry.tool for entry in self.entries.all()]

    @property
    def title(self) -> str:
        return " vs ".join(tool.name for tool in self.ordered_tools)

    @property
    def slug(self) -> str:
        return COMPARE_SEPARATOR.join(tool.slug for tool in self.ordered_tools)


class ComparisonEntry(models.Model):
    """One tool's place in a comparison, with the editor's "pick it if…" line."""

    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="entries")
    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="comparison_entries")
    position = models.PositiveSmallIntegerField(default=0)
    pick_if = models.CharField("pick it if…", max_length=255, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = "tool in comparison"
        verbose_name_plural = "tools in comparison"
        constraints = [
            models.UniqueConstraint(fields=["comparison", "tool"], name="comparison_tool_once"),
            models.UniqueConstraint(
                fields=["comparison", "position"],
                name="comparison_position_once",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tool} in comparison {self.comparison_id}"


class CatalogVersion(models.Model):
    """One row whose number PostgreSQL triggers bump on every editorial write (tools, reviews,
    comparisons, personas, categories; not community counts). Cached pages key on it, so a
    publish invalidates them on every worker and node at once."""

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"catalog version {self.version}"
