"""Query parameters and the list envelope: {"count", "next", "previous", "results"}."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from api.http import ApiError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_DIGITS = re.compile(r"[0-9]+")


def text_param(request: HttpRequest, name: str) -> str:
    """A parameter's value; blank and missing mean the same (no filter)."""
    return request.GET.get(name, "").strip()


def whole_number(request: HttpRequest, name: str, default: int, *, maximum: int | None) -> int:
    raw = text_param(request, name)
    if not raw:
        return default
    if not _DIGITS.fullmatch(raw):
        raise ApiError(400, f"{name} must be a whole number, not '{raw[:40]}'.")
    # Nine digits is already far past any page; longer numbers are only out of range.
    value = int(raw) if len(raw) <= 9 else 10**9
    if value < 1 or (maximum is not None and value > maximum):
        allowed = "1 or more" if maximum is None else f"from 1 to {maximum}"
        raise ApiError(400, f"{name} must be {allowed}, not {raw[:40]}.")
    return value


def envelope(
    results: list,
    *,
    count: int | None = None,
    next_page: str | None = None,
    previous_page: str | None = None,
) -> dict[str, Any]:
    """The list envelope; a list given whole is one page of all its items."""
    return {
        "count": len(results) if count is None else count,
        "next": next_page,
        "previous": previous_page,
        "results": results,
    }


def _page_url(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginate(
    request: HttpRequest, queryset: QuerySet, serialize: Callable[[Any], dict]
) -> dict[str, Any]:
    """One page of ``queryset`` (``page``, ``page_size``) in the envelope, with absolute links.

    Costs one count query plus the page's own queries, whatever the page size.
    """
    size = whole_number(request, "page_size", DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    number = whole_number(request, "page", 1, maximum=None)
    paginator = Paginator(queryset, size)
    try:
        page = paginator.page(number)
    except EmptyPage:
        pages = paginator.num_pages
        raise ApiError(
            400,
            f"page {number} is out of range: there {'is' if pages == 1 else 'are'} "
            f"{pages} page{'' if pages == 1 else 's'} of {size}.",
        ) from None
    return envelope(
        [serialize(item) for item in page.object_list],
        count=paginator.count,
        next_page=_page_url(request, number + 1) if page.has_next() else None,
        previous_page=_page_url(request, number - 1) if page.has_previous() else None,
    )
