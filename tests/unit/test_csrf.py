"""CSRF secrets drawn in one read (shipskip/csrf.py): what Django draws, and what its checks
accept."""

from collections import Counter

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.middleware import csrf as django_csrf
from django.test import RequestFactory

from shipskip import csrf


def test_django_draws_its_csrf_strings_with_ours():
    assert django_csrf._get_new_csrf_string is csrf.new_string


def test_a_string_is_32_characters_each_one_django_allows():
    for _ in range(200):
        value = csrf.new_string()
        assert len(value) == django_csrf.CSRF_SECRET_LENGTH == 32
        assert set(value) <= set(django_csrf.CSRF_ALLOWED_CHARS)


def test_every_character_is_drawn_about_equally_often():
    counts = Counter("".join(csrf.new_string() for _ in range(2000)))  # 64,000 characters
    assert set(counts) == set(django_csrf.CSRF_ALLOWED_CHARS)
    # 1,032 expected each; a byte-modulo bias would give the first eight characters 1,290.
    assert max(counts.values()) < 1200 and min(counts.values()) > 870


def test_strings_do_not_repeat():
    assert len({csrf.new_string() for _ in range(5000)}) == 5000


def test_a_page_token_is_accepted_with_its_cookie_and_refused_with_another():
    request = RequestFactory().get("/")
    token = django_csrf.get_token(request)
    secret = request.META["CSRF_COOKIE"]
    assert len(token) == 64 and token[:32] != secret  # masked: the secret never shows
    assert django_csrf._does_token_match(token, secret)
    assert not django_csrf._does_token_match(token, csrf.new_string())


def test_a_django_without_the_function_stops_the_start(monkeypatch):
    monkeypatch.delattr(django_csrf, "_get_new_csrf_string")
    with pytest.raises(ImproperlyConfigured, match="_get_new_csrf_string is gone"):
        csrf.install()
