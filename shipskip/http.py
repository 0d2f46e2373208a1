"""Small request helpers shared by the apps."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, value: str | None, default: str) -> str:
    """``value`` if it is a path on this site, else ``default``. Never a pattern name: a value
    like "-1" must not reach ``redirect()``, which would try to reverse it."""
    value = (value or "").strip()
    if value.startswith("/") and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default
