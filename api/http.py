"""What every API answer shares: JSON errors, CORS, the per-address rate limit, cache headers."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt

from throttle import limits
from throttle.clients import address_hash

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
CACHE_SECONDS = 60
PREFLIGHT_MAX_AGE = 86400

View = Callable[..., HttpResponse]


class ApiError(Exception):
    """A refusal the client can act on; the API answers it as a JSON error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": {"status": status, "message": message}}, status=status)


def api_rate() -> limits.Rate:
    return limits.Rate.parse(settings.SHIPSKIP_API_RATE)


def describe_rate(rate: limits.Rate) -> str:
    """'120 requests a minute', '10 requests every 15 minutes'."""
    noun = "request" if rate.limit == 1 else "requests"
    units = [(86400, "day", "a day"), (3600, "hour", "an hour"), (60, "minute", "a minute")]
    for seconds, unit, one in units:
        if rate.period == seconds:
            return f"{rate.limit} {noun} {one}"
        if rate.period % seconds == 0:
            return f"{rate.limit} {noun} every {rate.period // seconds} {unit}s"
    if rate.period == 1:
        return f"{rate.limit} {noun} a second"
    return f"{rate.limit} {noun} every {rate.period} seconds"


def _preflight() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Allow"] = ALLOWED_METHODS
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response


def _answer(view: View, request: HttpRequest, *args, **kwargs) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight()
    if request.method not in ("GET", "HEAD"):
        response = error_response(
            405, f"The API is read-only: {request.method} is not allowed. Use GET."
        )
        response["Allow"] = ALLOWED_METHODS
        return response
    rate = api_rate()
    if not limits.hit(f"api:address:{address_hash(request)}", rate):
        wait = rate.retry_after()
        response = error_response(
            429,
            f"Too many requests: the API allows {describe_rate(rate)} per client address. "
            f"Try again in {wait} seconds.",
        )
        response["Retry-After"] = str(wait)
        return response
    try:
        return view(request, *args, **kwargs)
    except ApiError as refusal:
        return error_response(refusal.status, refusal.message)
    except Http404:
        return error_response(404, "Not found.")


def api_view(view: View) -> View:
    """Make ``view`` a read-only API endpoint: GET and HEAD answer (within the rate limit),
    OPTIONS answers a CORS preflight, anything else is a JSON 405; errors are JSON; every
    answer may be read from any origin, and successful ones are cached publicly for a minute.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = _answer(view, request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "Retry-After"
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
        elif response.status_code >= 400:
            patch_cache_control(response, no_store=True)
        return response

    # Without this, CsrfViewMiddleware answers a POST with the site's HTML 403 before the view
    # runs, so API clients never see the JSON 405. Nothing here changes state: every unsafe
    # method is refused above, before any view code.
    return csrf_exempt(wrapper)
