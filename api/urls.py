from django.urls import path, re_path

from api import views

app_name = "api"

urlpatterns = [
    path("", views.index, name="index"),
    path("docs/", views.docs, name="docs"),
    path("tools/", views.tool_list, name="tools"),
    path("tools/<slug:slug>/", views.tool_detail, name="tool"),
    path("categories/", views.category_list, name="categories"),
    path("personas/", views.persona_list, name="personas"),
    path("comparisons/", views.comparison_list, name="comparisons"),
    # Last: every other address under /api/ answers JSON too, never the site's HTML 404.
    re_path(r"^(?P<path>.*)$", views.not_found, name="not-found"),
]
