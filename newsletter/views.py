from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from newsletter import services
from newsletter.forms import SubscribeForm
from newsletter.models import Subscriber
from shipskip.http import safe_next
from throttle import limits
from throttle.clients import address_hash

CHECK_INBOX = "Check your inbox to confirm. We send nothing else until you click the link."


@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST)
    status, done = 200, False
    if not form.is_valid():
        status = 400
    elif not limits.hit(
        f"newsletter:address:{address_hash(request)}",
        limits.Rate.parse(settings.SHIPSKIP_NEWSLETTER_RATE),
    ):
        form.add_error(None, "Too many sign-ups from here. Try again in an hour.")
        status = 429
    else:
        services.subscriber_subscribe(email=form.cleaned_data["email"])
        done = True
    if request.htmx:
        context = {"form": SubscribeForm() if done else form, "done": done}
        return render(request, "newsletter/partials/signup_form.html", context, status=status)
    if done:
        messages.success(request, CHECK_INBOX)
        return HttpResponseRedirect(safe_next(request, request.POST.get("next"), "/"))
    return render(request, "newsletter/subscribe_page.html", {"form": form}, status=status)


def _subscriber(token: str, salt: str, max_age: int | None = None) -> Subscriber | None:
    pk = services.id_from(token, salt, max_age)
    return Subscriber.objects.filter(pk=pk).first() if pk else None


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation e-mail. GET asks; only the POST confirms."""
    subscriber = _subscriber(token, services.CONFIRM_SALT, services.CONFIRM_MAX_AGE)
    if subscriber is None:
        return render(request, "newsletter/link_invalid.html", status=400)
    if request.method == "POST":
        services.subscriber_confirm(subscriber=subscriber)
        return render(request, "newsletter/confirmed.html", {"subscriber": subscriber})
    return render(request, "newsletter/confirm.html", {"subscriber": subscriber})


@csrf_exempt  # RFC 8058 one-click: mail clients POST here with no session; the signed token
@require_http_methods(["GET", "POST"])  # in the URL is the authorisation.
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = _subscriber(token, services.UNSUBSCRIBE_SALT)
    if subscriber is None:
        return render(request, "newsletter/link_invalid.html", status=400)
    if request.method == "POST":
        services.subscriber_unsubscribe(subscriber=subscriber)
        return render(request, "newsletter/unsubscribed.html", {"subscriber": subscriber})
    return render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber})


@csrf_exempt  # as above: one-click from the alert e-mail's List-Unsubscribe header
@require_http_methods(["GET", "POST"])
def alerts_off(request: HttpRequest, token: str) -> HttpResponse:
    pk = services.id_from(token, services.ALERTS_OFF_SALT)
    user = get_user_model().objects.filter(pk=pk).first() if pk else None
    if user is None:
        return render(request, "newsletter/link_invalid.html", status=400)
    if request.method == "POST":
        user.verdict_alerts = False
        user.save(update_fields=["verdict_alerts"])
        return render(request, "newsletter/alerts_off_done.html")
    return render(request, "newsletter/alerts_off.html")
