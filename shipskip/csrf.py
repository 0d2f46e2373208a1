"""CSRF secrets and masks drawn from one read of the system's random source.

Django draws each of the 32 characters of a CSRF secret, and of the mask that hides it in a
page, with ``secrets.choice``: a read of the system's random source per character. An
anonymous visitor's first page mints both (64 reads), a logged-in page a mask (32): in-process
140 µs of a cached page's answer on the benchmark machine, a seventh of its cost. ``new_string``
draws the same thing, 32 characters each uniform over ``CSRF_ALLOWED_CHARS`` from
``secrets.token_bytes``, with one read (about 3 µs).

``install`` puts it in place of ``django.middleware.csrf._get_new_csrf_string``, which
``get_token``, ``rotate_token`` and the masking call at run time; ``ShipSkipConfig.ready``
installs it at startup. That name is Django's own, not an API: a Django without it stops the
start with ``ImproperlyConfigured`` rather than quietly drawing the slow way, and
``tests/unit/test_csrf.py`` holds the tokens to what Django's checks accept.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ImproperlyConfigured
from django.middleware import csrf

CHARS = csrf.CSRF_ALLOWED_CHARS  # 62 letters and digits
LENGTH = csrf.CSRF_SECRET_LENGTH  # 32
# Bytes below this map onto the characters evenly (248 = 4 × 62); the rest are drawn again.
_EVEN = 256 - 256 % len(CHARS)


def new_string() -> str:
    """``LENGTH`` characters, each uniform over ``CHARS``, from the system's random source."""
    chars: list[str] = []
    while len(chars) < LENGTH:
        chars += [CHARS[b % len(CHARS)] for b in secrets.token_bytes(LENGTH + 8) if b < _EVEN]
    return "".join(chars[:LENGTH])


def install() -> None:
    if not callable(getattr(csrf, "_get_new_csrf_string", None)):
        raise ImproperlyConfigured(
            "django.middleware.csrf._get_new_csrf_string is gone: shipskip/csrf.py has nothing "
            "to replace (see its docstring)."
        )
    csrf._get_new_csrf_string = new_string
