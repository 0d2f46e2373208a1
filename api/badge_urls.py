from django.urls import path

from api import badges

app_name = "badges"

urlpatterns = [
    path("<slug:slug>.svg", badges.badge, name="badge"),
]
