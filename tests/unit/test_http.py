import pytest
from django.test import RequestFactory
from django.urls import reverse, set_script_prefix
from django_htmx.middleware import HtmxDetails

from shipskip.http import is_htmx, reverse_each_cached


@pytest.mark.parametrize("header", [None, "true", "false", "", "TRUE", "1", "true "])
def test_is_htmx_answers_as_django_htmx_does(header):
    extra = {} if header is None else {"HTTP_HX_REQUEST": header}
    request = RequestFactory().post("/votes/t/", **extra)
    assert is_htmx(request) is bool(HtmxDetails(request))
    assert is_htmx(request) is (header == "true")


def test_addresses_reversed_together_are_each_names_own_and_follow_the_script_prefix():
    names = ("votes:vote", "votes:withdraw")
    assert reverse_each_cached(names, "grok-coder") == [
        "/votes/grok-coder/",
        "/votes/grok-coder/withdraw/",
    ]
    try:
        set_script_prefix("/mounted/")
        expected = [reverse(name, args=["grok-coder"]) for name in names]
        assert expected[0] == "/mounted/votes/grok-coder/"
        assert reverse_each_cached(names, "grok-coder") == expected
    finally:
        set_script_prefix("/")
