from django.urls import path

from comparisons import views

app_name = "comparisons"

urlpatterns = [
    path("", views.home, name="home"),
    path("tools/", views.tool_list, name="tools"),
    path("tools/<slug:slug>/", views.tool_detail, name="tool"),
    path("categories/<slug:slug>/", views.tool_list, name="category"),
    path("search/suggestions/", views.search_suggestions, name="search-suggestions"),
    path("panel/", views.persona_list, name="panel"),
    path("panel/<slug:slug>/", views.persona_detail, name="persona"),
    path("compare/", views.compare_build, name="compare-build"),
    path("compare/<slug:slugs>/", views.compare, name="compare"),
]
