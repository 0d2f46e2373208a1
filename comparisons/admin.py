from django.contrib import admin

from comparisons.models import Category, Comparison, ComparisonEntry, Persona, Review, Tool


class ReviewInline(admin.StackedInline):
    model = Review
    extra = 0
    max_num = 4


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    list_display = ["name", "maker", "category", "status", "published_at"]
    list_filter = ["status", "category", "pricing_model"]
    search_fields = ["name", "maker", "tagline"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ReviewInline]


class ComparisonEntryInline(admin.TabularInline):
    model = ComparisonEntry
    extra = 0
    autocomplete_fields = ["tool"]


@admin.register(Comparison)
class ComparisonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "published_at"]
    list_filter = ["status"]
    inlines = [ComparisonEntryInline]


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "motto"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
