from django.contrib import admin, messages

from comparisons.models import Tool
from votes.models import Vote
from votes.services import votes_remove_by_voters


class VoterKindFilter(admin.SimpleListFilter):
    title = "voter kind"
    parameter_name = "voter"

    def lookups(self, request, model_admin):
        return [("user", "Logged-in users"), ("visitor", "Anonymous visitors")]

    def queryset(self, request, queryset):
        if self.value() == "user":
            return queryset.filter(user__isnull=False)
        if self.value() == "visitor":
            return queryset.filter(user__isnull=True)
        return queryset


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Read-only list of community votes, for moderation."""

    list_display = ["tool", "value", "voter", "address_hash", "created_at", "updated_at"]
    list_filter = [
        VoterKindFilter,
        "value",
        "created_at",
        ("tool", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["tool", "user"]
    date_hierarchy = "created_at"
    search_fields = ["tool__name", "user__username", "address_hash"]
    actions = ["remove_votes_of_selected_voters"]
    list_per_page = 100

    @admin.display(description="Voter")
    def voter(self, vote: Vote) -> str:
        if vote.user_id:
            return f"user {vote.user.get_username()}"
        return f"visitor {str(vote.anonymous_id)[:8]}…"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deleting must recount: use the action below
        return actions

    def delete_model(self, request, obj: Vote) -> None:
        self._remove(request, [obj])

    def delete_queryset(self, request, queryset) -> None:
        self._remove(request, list(queryset))

    @admin.action(description="Remove every vote of the selected voters", permissions=["delete"])
    def remove_votes_of_selected_voters(self, request, queryset) -> None:
        lost = self._remove(request, list(queryset))
        total = sum(lost.values())
        self.message_user(
            request, f"Removed {total} vote(s) across {len(lost)} tool(s).", messages.SUCCESS
        )

    def _remove(self, request, votes: list[Vote]) -> dict[int, int]:
        lost = votes_remove_by_voters(votes)
        voters = len({(v.user_id, v.anonymous_id) for v in votes})
        for tool in Tool.objects.filter(pk__in=lost):
            self.log_change(
                request,
                tool,
                f"Moderation: removed {lost[tool.pk]} community vote(s) of {voters} voter(s).",
            )
        return lost
