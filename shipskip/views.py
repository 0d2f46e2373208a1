from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON under /api/, the site's styled page elsewhere (rendered without context, as
    the request may be what failed)."""
    message = "Something went wrong on our side. It has been logged; please try again."
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"status": 500, "message": message}}, status=500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)
