from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/", include("api.urls")),
    path("badge/", include("api.badge_urls")),
    path("newsletter/", include("newsletter.urls")),
    path("", include("votes.urls")),
    path("", include("comparisons.urls")),
]
