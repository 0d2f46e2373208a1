"""Who is asking, without keeping who they are: client addresses only ever leave as keyed hashes."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac


def client_address(request: HttpRequest) -> str:
    """The client's address; behind a trusted proxy, the last address it forwarded for."""
    if settings.SHIPSKIP_BEHIND_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")


def address_hash(request: HttpRequest) -> str:
    """A keyed hash of the client's address: stable for rate limits, useless to a reader."""
    return salted_hmac("shipskip.client-address", client_address(request)).hexdigest()[:32]
