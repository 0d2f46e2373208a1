import logging
import time

from django.http import HttpRequest, HttpResponse

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
