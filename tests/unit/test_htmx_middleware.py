import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails as LibraryHtmxDetails

from shipskip.middleware import HtmxMiddleware


def _through_the_middleware(**extra):
    seen = {}

    def view(request):
        seen["htmx"] = request.htmx
        return HttpResponse()

    request = RequestFactory().post("/votes/t/", **extra)
    HtmxMiddleware(view)(request)
    return request, seen["htmx"]


@pytest.mark.parametrize("header", [None, "true", "false", "", "TRUE", "1", "true "])
def test_request_htmx_is_true_exactly_when_django_htmx_says_so(header):
    extra = {} if header is None else {"HTTP_HX_REQUEST": header}
    request, htmx = _through_the_middleware(**extra)
    assert bool(htmx) is bool(LibraryHtmxDetails(request)) is (header == "true")


def test_the_rest_of_request_htmx_is_django_htmxs():
    _, htmx = _through_the_middleware(
        HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tool-results", HTTP_HX_BOOSTED="true"
    )
    assert htmx.target == "tool-results"
    assert htmx.boosted is True


def test_the_site_uses_it_in_place_of_django_htmxs():
    assert "shipskip.middleware.HtmxMiddleware" in settings.MIDDLEWARE
    assert "django_htmx.middleware.HtmxMiddleware" not in settings.MIDDLEWARE
