import logging
import time

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

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
