import logging
import time

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django_htmx import middleware as django_htmx

log = logging.getLogger("shipskip.requests")


class RequestLogMiddleware:
    """One line per request: method, path, status and duration in milliseconds."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = (time.perf_counter() - started) * 1000
        log.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            elapsed,
            extra={"status": response.status_code, "duration_ms": round(elapsed, 1)},
        )
        return response


class RejectNulBytesMiddleware:
    """PostgreSQL text cannot hold NUL; a request carrying one gets a clear 400 before any
    view can pass it to a query."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path
            or _has_nul(request.GET)
            or (
                request.method == "POST"
                and request.content_type
                in ("application/x-www-form-urlencoded", "multipart/form-data")
                and _has_nul(request.POST)
            )
        ):
            return HttpResponseBadRequest(
                "The request contained a NUL character, which no field accepts.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())


class ReplicaReadsMiddleware:
    """Marks each request as one whose reads may go to the read replica or not
    (shipskip/routers.py), and says where it read in ``X-Database-Reads``: replica, primary,
    or none (a cached page). Installed only when DATABASE_REPLICA_URL is set."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from shipskip import routers

        token = routers.begin(eligible=routers.may_read_replica(request))
        try:
            response = self.get_response(request)
        finally:
            reads = routers.end(token)
        response["X-Database-Reads"] = reads.summary
        return response


class HtmxDetails(django_htmx.HtmxDetails):
    """django-htmx's ``request.htmx``, whose ``bool()`` (is this an htmx request?) reads the
    header straight from the WSGI environ. django-htmx looks it up in ``request.headers``, and
    building that mapping of every header cost the vote, the most frequent POST, 10-20 µs:
    about what signing its cookie costs. Everything else is django-htmx's own."""

    def __bool__(self) -> bool:
        return self.request.META.get("HTTP_HX_REQUEST") == "true"


class HtmxMiddleware(django_htmx.HtmxMiddleware):
    """django-htmx's middleware, attaching the ``HtmxDetails`` above."""

    def __call__(self, request: HttpRequest):
        if self.async_mode:
            return self.__acall__(request)
        request.htmx = HtmxDetails(request)
        return self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        request.htmx = HtmxDetails(request)
        return await self.get_response(request)
