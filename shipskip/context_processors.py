from django.http import HttpRequest


def canonical(request: HttpRequest) -> dict:
    """The page's canonical address: scheme, host and path, without the query string."""
    return {"canonical_url": request.build_absolute_uri(request.path)}
