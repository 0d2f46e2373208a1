from django.urls import path

from comparisons import views

app_name = "comparisons"

urlpatterns = [
    path("", views.home, name="home"),
    path("tools/<slug:slug>/", views.tool_detail, name="tool"),
    path("compare/<slug:slugs>/", views.compare, name="compare"),
]
