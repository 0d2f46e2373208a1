from django.conf import settings
from django.db import models
from django.db.models import Q

from comparisons.models import Tool, Verdict


class Vote(models.Model):
    """One voter's community ship or skip on one tool.

    The voter is a user, or an anonymous visitor known only by the random id in their signed
    cookie; exactly one of the two is set, and the database allows one vote per voter per tool.
    """

    # Indexes are few on purpose: every first vote inserts into each. vote_tool_value leads with
    # the tool; each kind of voter has a partial index that the other kind never enters.
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="votes", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="votes",
        db_index=False,
    )
    anonymous_id = models.UUIDField(null=True, blank=True)
    value = models.CharField(max_length=4, choices=Verdict.choices)
    # A keyed hash of the client's address, for moderation; never the address itself.
    address_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, anonymous_id__isnull=True)
                | Q(user__isnull=True, anonymous_id__isnull=False),
                name="vote_has_exactly_one_voter",
            ),
            models.UniqueConstraint(
                fields=["tool", "user"],
                condition=Q(user__isnull=False),
                name="one_vote_per_user_per_tool",
            ),
            models.UniqueConstraint(
                fields=["tool", "anonymous_id"],
                condition=Q(anonymous_id__isnull=False),
                name="one_vote_per_visitor_per_tool",
            ),
            models.CheckConstraint(
                condition=Q(value__in=[Verdict.SHIP, Verdict.SKIP]), name="vote_ship_or_skip"
            ),
        ]
        indexes = [
            models.Index(fields=["tool", "value"], name="vote_tool_value"),
            models.Index(fields=["user"], condition=Q(user__isnull=False), name="vote_user"),
            models.Index(
                fields=["anonymous_id"],
                condition=Q(anonymous_id__isnull=False),
                name="vote_anonymous_voter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} on {self.tool_id} by {self.voter_kind}"

    @property
    def voter_kind(self) -> str:
        return "user" if self.user_id else "visitor"


class Bookmark(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "tool"], name="one_bookmark_per_user_per_tool")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} saved {self.tool_id}"
