from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from comparisons import seo
from shipskip import health

urlpatterns = [
    path("healthz", health.liveness, name="liveness"),
    path("readyz", health.readiness, name="readiness"),
    # The most frequent requests first: votes (the most frequent POST), then the pages. No
    # pattern of either matches an address of the sections after them.
    path("", include("votes.urls")),
    path("", include("comparisons.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/", include("api.urls")),
    path("badge/", include("api.badge_urls")),
    path("newsletter/", include("newsletter.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": seo.SITEMAPS}, name="sitemap"),
    path("robots.txt", seo.robots_txt, name="robots"),
    path("feeds/latest.rss", seo.LatestFeed(), name="feed-rss"),
    path("feeds/latest.atom", seo.LatestAtomFeed(), name="feed-atom"),
    path("feeds/categories/<slug:slug>.rss", seo.CategoryFeed(), name="category-feed-rss"),
    path("feeds/categories/<slug:slug>.atom", seo.CategoryAtomFeed(), name="category-feed-atom"),
]

handler500 = "shipskip.views.server_error"
