from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from comparisons.models import Tool


class SubscriberQuerySet(models.QuerySet):
    def receiving(self):
        """Addresses whose owner confirmed and has not unsubscribed."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class Subscriber(models.Model):
    """A newsletter address. Nothing but the confirmation is sent before ``confirmed_at``."""

    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_email_once_any_case")
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        if self.unsubscribed_at:
            return "unsubscribed"
        return "confirmed" if self.confirmed_at else "awaiting confirmation"


class DigestDelivery(models.Model):
    """One weekly digest claimed for one subscriber; the unique week makes resending impossible.

    The row is written (claimed) before the e-mail goes out and ``sent_at`` after, so a run that
    dies in between leaves a claimed-but-unsent row rather than a second e-mail.
    """

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="digests")
    week = models.DateField(help_text="The Monday that starts the digest's week.")
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "week"], name="one_digest_per_week")
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} · week of {self.week}"


class VerdictChange(models.Model):
    """A published tool's panel verdict changed (Ship → Split, say); bookmarkers hear once."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="verdict_changes")
    old_verdict = models.CharField(max_length=16)
    new_verdict = models.CharField(max_length=16)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.tool}: {self.old_verdict} → {self.new_verdict}"


class AlertDelivery(models.Model):
    change = models.ForeignKey(VerdictChange, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["change", "user"], name="one_alert_per_change_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.change} → {self.user_id}"
