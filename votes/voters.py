"""Who is voting: a logged-in user, or an anonymous visitor known by a random id in a signed,
HttpOnly cookie. Nothing else about an anonymous visitor is kept."""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

from throttle.clients import client_address

COOKIE_NAME = settings.SHIPSKIP_VOTER_COOKIE_NAME
COOKIE_SALT = "shipskip.voter"
# nginx's $request_id: 16 random bytes in hex. Anything else in the header is ignored.
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
REQUEST_ID_SALT = "shipskip.voter.request-id"


@dataclass(frozen=True)
class Voter:
    user_id: int | None = None
    anonymous_id: uuid.UUID | None = None
    is_new: bool = False  # the cookie still has to be set on the response

    @property
    def lookup(self) -> dict:
        """Filter arguments that select this voter's votes."""
        if self.user_id is not None:
            return {"user_id": self.user_id}
        return {"anonymous_id": self.anonymous_id}

    @property
    def key(self) -> str:
        return f"user:{self.user_id}" if self.user_id is not None else f"anon:{self.anonymous_id}"


def anonymous_id_from(request: HttpRequest) -> uuid.UUID | None:
    try:
        raw = request.get_signed_cookie(COOKIE_NAME, default=None, salt=COOKIE_SALT)
    except signing.BadSignature:
        return None
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


def voter_for(request: HttpRequest, *, create: bool = False) -> Voter | None:
    """The voter making ``request``; a new anonymous voter when ``create`` and none is known."""
    if request.user.is_authenticated:
        return Voter(user_id=request.user.pk)
    anonymous_id = anonymous_id_from(request)
    if anonymous_id is not None:
        return Voter(anonymous_id=anonymous_id)
    if create:
        return Voter(anonymous_id=new_anonymous_id(request), is_new=True)
    return None


def new_anonymous_id(request: HttpRequest) -> uuid.UUID:
    """The id of a visitor voting for the first time: random, except behind the trusted proxy.

    There nginx names each request (``X-Request-ID: $request_id``) and keeps that name when it
    replays the request on another node because the first one died. The id is then a keyed
    hash of that name and the client's address, so a replay makes the same voter, gets the same
    cookie, and finds the vote already there if the dead node committed it (``vote_first``)
    instead of counting a second voter. Without the setting, or without a well-formed header
    (a request straight to a node, the benchmark), every new visitor is a fresh ``uuid4``.
    """
    request_id = request.headers.get("X-Request-ID", "") if settings.SHIPSKIP_BEHIND_PROXY else ""
    if not REQUEST_ID.fullmatch(request_id):
        return uuid.uuid4()
    named = f"{request_id}:{client_address(request)}"
    digest = salted_hmac(REQUEST_ID_SALT, named, algorithm="sha256").digest()
    return uuid.UUID(bytes=digest[:16], version=4)


@functools.lru_cache(maxsize=8)
def _cookie_signer(backend: str, secret_key: str, fallbacks: tuple[str, ...]) -> signing.Signer:
    """The signer ``set_signed_cookie`` would make for the voter cookie, made once for the
    settings it is made from (the arguments, which are only its cache key) rather than on every
    first vote. For signing only: what it holds of the fallback keys can be read once (reading
    a cookie goes through ``get_signed_cookie``)."""
    return signing.get_cookie_signer(salt=COOKIE_NAME + COOKIE_SALT)


def remember(response: HttpResponse, voter: Voter) -> HttpResponse:
    """Set the new voter's signed cookie: the value ``set_signed_cookie`` writes, and that
    ``get_signed_cookie`` reads back (``anonymous_id_from``)."""
    if voter.is_new:
        signer = _cookie_signer(
            settings.SIGNING_BACKEND, settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS)
        )
        response.set_cookie(
            COOKIE_NAME,
            signer.sign(str(voter.anonymous_id)),
            max_age=settings.SHIPSKIP_VOTER_COOKIE_AGE,
            httponly=True,
            secure=not settings.DEBUG,
            samesite="Lax",
        )
    return response
