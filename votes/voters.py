"""Who is voting: a logged-in user, or an anonymous visitor known by a random id in a signed,
HttpOnly cookie. Nothing else about an anonymous visitor is kept."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

COOKIE_NAME = settings.SHIPSKIP_VOTER_COOKIE_NAME
COOKIE_SALT = "shipskip.voter"


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
        return Voter(anonymous_id=uuid.uuid4(), is_new=True)
    return None


def remember(response: HttpResponse, voter: Voter) -> HttpResponse:
    if voter.is_new:
        response.set_signed_cookie(
            COOKIE_NAME,
            str(voter.anonymous_id),
            salt=COOKIE_SALT,
            max_age=settings.SHIPSKIP_VOTER_COOKIE_AGE,
            httponly=True,
            secure=not settings.DEBUG,
            samesite="Lax",
        )
    return response
