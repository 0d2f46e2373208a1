from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.forms import SignupForm
from shipskip.http import safe_next
from throttle import limits
from throttle.clients import address_hash

PAUSED = "Too many failed attempts. Wait 15 minutes and try again, or reset your password."


def _failure_keys(request: HttpRequest) -> list[tuple[str, limits.Rate]]:
    username = request.POST.get("username", "").strip().lower()[:150]
    return [
        (f"login:user:{username}", limits.Rate.parse(settings.SHIPSKIP_LOGIN_FAILURES)),
        (
            f"login:address:{address_hash(request)}",
            limits.Rate.parse(settings.SHIPSKIP_LOGIN_FAILURES_PER_ADDRESS),
        ),
    ]


class ThrottledLoginView(LoginView):
    """Django's login, paused for a while after repeated failures for one username or address.

    The pause ends by itself when the window passes, so the real owner is never locked out for
    good; the message is the same whether or not the username exists.
    """

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if any(limits.exceeded(key, rate) for key, rate in _failure_keys(request)):
            form = self.get_form()
            form.is_bound = True
            context = self.get_context_data(form=form, paused=PAUSED)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        for key, rate in _failure_keys(self.request):
            limits.hit(key, rate)
        return super().form_invalid(form)


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), "")
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url or reverse(settings.LOGIN_REDIRECT_URL))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and not limits.hit(
        f"signup:address:{address_hash(request)}", limits.Rate.parse(settings.SHIPSKIP_SIGNUP_RATE)
    ):
        context = {
            "form": form,
            "next": next_url,
            "paused": "Too many sign-ups from here. Try again in an hour.",
        }
        return render(request, "registration/signup.html", context, status=429)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)  # the one backend in AUTHENTICATION_BACKENDS
        return HttpResponseRedirect(next_url or reverse(settings.LOGIN_REDIRECT_URL))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "registration/signup.html", {"form": form, "next": next_url}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_settings(request: HttpRequest) -> HttpResponse:
    """Switch e-mail alerts about bookmarked tools on or off."""
    if request.method == "POST":
        request.user.verdict_alerts = request.POST.get("verdict_alerts") == "on"
        request.user.save(update_fields=["verdict_alerts"])
        state = "on" if request.user.verdict_alerts else "off"
        messages.success(request, f"Verdict alerts are {state}.")
        return redirect("accounts:alerts")
    return render(request, "registration/alert_settings.html")


class ThrottledPasswordResetView(PasswordResetView):
    """Django's reset (same answer for known and unknown addresses), limited per address."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        rate = limits.Rate.parse(settings.SHIPSKIP_PASSWORD_RESET_RATE)
        if not limits.hit(f"reset:address:{address_hash(request)}", rate):
            context = self.get_context_data(
                paused="Too many reset requests from here. Try again in an hour."
            )
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)
