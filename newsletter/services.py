"""The weekly newsletter (double opt-in, one digest per address per week) and verdict alerts."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from comparisons.models import Comparison, Tool
from newsletter.models import AlertDelivery, DigestDelivery, Subscriber, VerdictChange

log = logging.getLogger(__name__)

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"
ALERTS_OFF_SALT = "alerts.off"
CONFIRM_MAX_AGE = 7 * 24 * 3600
# A second sign-up for the same unconfirmed address within this time sends nothing new.
CONFIRMATION_RESEND_AFTER = dt.timedelta(hours=1)


def absolute(path: str) -> str:
    return f"{settings.SHIPSKIP_SITE_URL}{path}"


def token_for(obj_id: int, salt: str) -> str:
    return signing.dumps(obj_id, salt=salt, compress=True)


def id_from(token: str, salt: str, max_age: int | None = None) -> int | None:
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def unsubscribe_url(subscriber: Subscriber) -> str:
    token = token_for(subscriber.pk, UNSUBSCRIBE_SALT)
    return absolute(reverse("newsletter:unsubscribe", args=[token]))


def _send(
    *, to: str, subject: str, template: str, context: dict, unsubscribe: str | None = None
) -> None:
    text = render_to_string(f"newsletter/email/{template}.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    try:
        html = render_to_string(f"newsletter/email/{template}.html", context)
    except TemplateDoesNotExist:
        html = None  # plain text only
    if html:
        message.attach_alternative(html, "text/html")
    if unsubscribe:
        message.extra_headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    message.send()


def subscriber_subscribe(*, email: str) -> None:
    """Ask ``email`` to confirm. The caller says the same thing whatever happened here, so
    nobody learns whether an address is already on the list."""
    now = timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email__iexact=email).first()
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(email=email)
            except IntegrityError:  # the same address signing up twice at once
                return
        elif subscriber.confirmed_at and not subscriber.unsubscribed_at:
            return  # already receiving: nothing to send
        recent = subscriber.confirmation_sent_at and (
            now - subscriber.confirmation_sent_at < CONFIRMATION_RESEND_AFTER
        )
        if recent:
            return
        subscriber.confirmation_sent_at = now
        subscriber.save(update_fields=["confirmation_sent_at"])
    confirm = absolute(reverse("newsletter:confirm", args=[token_for(subscriber.pk, CONFIRM_SALT)]))
    _send(
        to=subscriber.email,
        subject="Confirm your Weekly AI Tool Verdicts subscription",
        template="confirm",
        context={"confirm_url": confirm},
    )


def subscriber_confirm(*, subscriber: Subscriber) -> None:
    subscriber.confirmed_at = timezone.now()
    subscriber.unsubscribed_at = None
    subscriber.save(update_fields=["confirmed_at", "unsubscribed_at"])


def subscriber_unsubscribe(*, subscriber: Subscriber) -> None:
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at"])


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class DigestReport:
    week: dt.date
    tools: int = 0
    comparisons: int = 0
    sent: list[str] = field(default_factory=list)
    skipped: int = 0  # already claimed for this week

    def __str__(self) -> str:
        return (
            f"Week of {self.week}: {self.tools} verdicts and {self.comparisons} comparisons; "
            f"sent {len(self.sent)}, already sent or claimed {self.skipped}."
        )


def digest_contents(now: dt.datetime) -> dict:
    since = now - dt.timedelta(days=7)
    return {
        "tools": list(
            Tool.objects.published()
            .for_cards()
            .filter(published_at__gt=since, published_at__lte=now)
            .order_by("-published_at")
        ),
        "comparisons": list(
            Comparison.objects.published()
            .with_tools()
            .filter(published_at__gt=since, published_at__lte=now)
            .order_by("-published_at")
        ),
    }


def send_weekly_digest(*, now: dt.datetime | None = None) -> DigestReport:
    """E-mail the past seven days' verdicts and comparisons to every confirmed subscriber, at
    most once per address per week, however often it runs or wherever it was interrupted."""
    now = now or timezone.now()
    report = DigestReport(week=week_start(timezone.localdate(now)))
    contents = digest_contents(now)
    report.tools, report.comparisons = len(contents["tools"]), len(contents["comparisons"])
    if not (contents["tools"] or contents["comparisons"]):
        return report
    for subscriber in Subscriber.objects.receiving().order_by("pk").iterator():
        try:
            with transaction.atomic():  # claim first: a crash after this never resends
                delivery = DigestDelivery.objects.create(subscriber=subscriber, week=report.week)
        except IntegrityError:
            report.skipped += 1
            continue
        unsubscribe = unsubscribe_url(subscriber)
        context = {
            **contents,
            "week": report.week,
            "site_url": settings.SHIPSKIP_SITE_URL,
            "unsubscribe_url": unsubscribe,
        }
        _send(
            to=subscriber.email,
            subject=f"Weekly AI Tool Verdicts — week of {report.week:%-d %b %Y}",
            template="digest",
            context=context,
            unsubscribe=unsubscribe,
        )
        DigestDelivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now())
        report.sent.append(subscriber.email)
    return report


def verdict_change_record(*, tool: Tool, old: str, new: str) -> VerdictChange | None:
    """Note that a published tool's panel verdict changed; bookmarkers are e-mailed once the
    transaction commits."""
    if old == new or not tool.is_published:
        return None
    change = VerdictChange.objects.create(tool=tool, old_verdict=old, new_verdict=new)
    transaction.on_commit(lambda: alerts_send(change_id=change.pk))
    return change


def alerts_send(*, change_id: int) -> int:
    change = VerdictChange.objects.select_related("tool").get(pk=change_id)
    users = (
        change.tool.bookmarks.filter(user__verdict_alerts=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    sent = 0
    for bookmark in users:
        user = bookmark.user
        try:
            with transaction.atomic():
                AlertDelivery.objects.create(change=change, user=user)
        except IntegrityError:
            continue  # this user already heard about this change
        off = absolute(reverse("newsletter:alerts-off", args=[token_for(user.pk, ALERTS_OFF_SALT)]))
        _send(
            to=user.email,
            subject=f"{change.tool.name}: the panel's verdict is now {change.new_verdict}",
            template="alert",
            context={
                "change": change,
                "tool_url": absolute(change.tool.get_absolute_url()),
                "alerts_off_url": off,
                "settings_url": absolute(reverse("accounts:alerts")),
            },
            unsubscribe=off,
        )
        sent += 1
    return sent
