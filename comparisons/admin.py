"""The editors' desk. Editors are not programmers: every rule is checked before anything is
saved and explained in words, and every publish is recorded in the admin log."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils import timezone

from comparisons import services
from comparisons.directory import stale_q
from comparisons.models import (
    Category,
    Comparison,
    ComparisonEntry,
    Persona,
    Review,
    ReviewRevision,
    Status,
    Tool,
)
from comparisons.selectors import MAX_COMPARED
from newsletter.services import verdict_change_record


class PublishingActions:
    """Bulk publish and unpublish, each change written to the admin log."""

    actions = ["publish", "unpublish"]
    publish_service = None  # (objects) -> (published, refused with reasons)

    @admin.action(description="Publish selected %(verbose_name_plural)s", permissions=["change"])
    def publish(self, request, queryset) -> None:
        published, refused = type(self).publish_service(queryset)
        for obj in published:
            self.log_change(request, obj, "Published from the list.")
        if published:
            self.message_user(request, f"Published {len(published)}.", messages.SUCCESS)
        for obj, why in refused:
            self.message_user(request, f"{obj} was not published. {why}", messages.ERROR)

    @admin.action(
        description="Unpublish selected %(verbose_name_plural)s (back to draft)",
        permissions=["change"],
    )
    def unpublish(self, request, queryset) -> None:
        changed = services.unpublish(queryset)
        for obj in changed:
            self.log_change(request, obj, "Unpublished from the list.")
        self.message_user(request, f"Unpublished {len(changed)}.", messages.SUCCESS)


class ReviewInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        personas = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("persona"):
                continue
            if data["persona"] in personas:
                raise ValidationError(
                    f"The {data['persona']} has two reviews here. Each persona reviews a tool "
                    "once: edit the existing review instead."
                )
            personas.append(data["persona"])
        super().clean()
        if self.instance.status == Status.PUBLISHED:
            missing = services.missing_personas(persona.pk for persona in personas)
            if missing:
                raise ValidationError(services.publish_message_for_missing(missing))


class ReviewInline(admin.StackedInline):
    model = Review
    formset = ReviewInlineFormSet
    fields = [("persona", "score", "verdict", "reviewed_on"), "body"]
    min_num = 0
    max_num = 4

    def get_extra(self, request, obj=None, **kwargs) -> int:
        reviewed = obj.reviews.count() if obj else 0
        return max(0, Persona.objects.count() - reviewed)


class PanelVerdictFilter(admin.SimpleListFilter):
    title = "panel verdict"
    parameter_name = "verdict"

    def lookups(self, request, model_admin):
        return [("ship", "Ship"), ("skip", "Skip"), ("split", "Split"), ("none", "No reviews")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(panel_verdict__isnull=True)
        if self.value():
            return queryset.filter(panel_verdict=self.value())
        return queryset


class StalenessFilter(admin.SimpleListFilter):
    title = "freshness"
    parameter_name = "freshness"

    def lookups(self, request, model_admin):
        return [("stale", "May be out of date"), ("fresh", "Fresh")]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            return queryset.filter(stale_q())
        if self.value() == "fresh":
            return queryset.exclude(stale_q())
        return queryset


@admin.register(Tool)
class ToolAdmin(PublishingActions, admin.ModelAdmin):
    publish_service = services.tools_publish
    list_display = [
        "name",
        "category",
        "status",
        "panel_verdict",
        "average_score",
        "community",
        "freshness",
        "published_at",
    ]
    list_filter = ["status", PanelVerdictFilter, StalenessFilter, "category", "pricing_model"]
    list_select_related = ["category"]
    search_fields = ["name", "maker", "tagline"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["published_at", "community"]
    inlines = [ReviewInline]
    save_on_top = True
    # Editors paste bare domains; assume https, as Django 6 will.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (
            None,
            {"fields": ["name", "slug", "maker", "category", "tagline", "description", "website"]},
        ),
        (
            "Pricing",
            {
                "fields": [
                    "pricing",
                    "entry_price",
                    "pricing_model",
                    "pricing_source_url",
                    "pricing_verified_on",
                    "pricing_changed_on",
                ]
            },
        ),
        ("Publishing", {"fields": ["status", "published_at", "community"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_verdict()

    @admin.display(description="Panel verdict", ordering="panel_verdict")
    def panel_verdict(self, tool: Tool) -> str:
        return tool.panel.summary

    @admin.display(description="Average score", ordering="panel_average")
    def average_score(self, tool: Tool) -> str:
        score = tool.panel.average_score
        return "—" if score is None else f"{score}/100"

    @admin.display(description="Community")
    def community(self, tool: Tool) -> str:
        return tool.community.label

    @admin.display(description="Freshness")
    def freshness(self, tool: Tool) -> str:
        return tool.freshness.label or "Fresh"

    def save_model(self, request, obj: Tool, form, change: bool) -> None:
        if (
            change
            and services.PRICING_FIELDS & set(form.changed_data)
            and "pricing_changed_on" not in form.changed_data
        ):
            obj.pricing_changed_on = timezone.localdate()
        services.mark_published(obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change: bool) -> None:
        # Reviews are saved here, after the tool: compare the panel verdict around them.
        before = Tool.objects.with_panel().get(pk=form.instance.pk).panel.label if change else None
        super().save_related(request, form, formsets, change)
        if change:
            after = Tool.objects.with_panel().get(pk=form.instance.pk).panel.label
            verdict_change_record(tool=form.instance, old=before, new=after)

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is Review:
            for review_form in formset.initial_forms:
                changed = set(review_form.changed_data)
                if {"score", "verdict"} & changed and review_form not in formset.deleted_forms:
                    services.review_revise(
                        review=review_form.instance,
                        old_score=review_form.initial["score"],
                        old_verdict=review_form.initial["verdict"],
                        old_reviewed_on=review_form.initial["reviewed_on"],
                        date_edited="reviewed_on" in changed,
                    )
        super().save_formset(request, form, formset, change)


class ComparisonEntryFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        tools = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("tool"):
                continue
            if data["tool"] in tools:
                raise ValidationError(
                    f"{data['tool']} is listed twice. A comparison lists each tool once."
                )
            tools.append(data["tool"])
        if len(tools) < 2:
            raise ValidationError("A comparison needs at least two tools.")
        if len(tools) > MAX_COMPARED:
            raise ValidationError(f"A comparison sets at most {MAX_COMPARED} tools side by side.")
        if self.instance.status == Status.PUBLISHED:
            drafts = [tool for tool in tools if tool.status != Status.PUBLISHED]
            if drafts:
                raise ValidationError(services.draft_tools_message(drafts))
        super().clean()


class ComparisonEntryInline(admin.TabularInline):
    model = ComparisonEntry
    formset = ComparisonEntryFormSet
    fields = ["position", "tool", "pick_if"]
    autocomplete_fields = ["tool"]
    extra = 2
    max_num = MAX_COMPARED


@admin.register(Comparison)
class ComparisonAdmin(PublishingActions, admin.ModelAdmin):
    publish_service = services.comparisons_publish
    list_display = ["__str__", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["entries__tool__name", "editor_note"]
    readonly_fields = ["published_at"]
    fields = ["editor_note", "status", "published_at"]
    inlines = [ComparisonEntryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_tools()

    def save_model(self, request, obj: Comparison, form, change: bool) -> None:
        services.mark_published(obj)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is ComparisonEntry:
            # Columns follow the positions the editor typed; store them as 0, 1, 2… (the
            # uniqueness of positions is checked at commit, so reordering never collides).
            kept = [
                f
                for f in formset.forms
                if f.cleaned_data and f not in formset.deleted_forms and f.cleaned_data.get("tool")
            ]
            kept.sort(key=lambda f: (f.cleaned_data.get("position") or 0, formset.forms.index(f)))
            for position, entry_form in enumerate(kept):
                entry_form.instance.position = position
        super().save_formset(request, form, formset, change)


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "motto"]
    list_editable = ["order"]
    fields = ["name", "slug", "order", "motto", "lens", "likes", "dislikes"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ReviewRevision)
class ReviewRevisionAdmin(admin.ModelAdmin):
    list_display = ["review", "score", "verdict", "reviewed_on", "replaced_at"]
    list_select_related = ["review__tool", "review__persona"]
    list_filter = ["verdict"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
