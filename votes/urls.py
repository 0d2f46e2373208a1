from django.urls import path

from votes import views

app_name = "votes"

urlpatterns = [
    path("votes/<slug:slug>/", views.vote, name="vote"),
    path("votes/<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("bookmarks/", views.bookmark_list, name="bookmarks"),
    path("bookmarks/panel/", views.bookmarks_panel, name="bookmarks-panel"),
    path("bookmarks/<slug:slug>/add/", views.bookmark, name="bookmark"),
    path("bookmarks/<slug:slug>/remove/", views.unbookmark, name="unbookmark"),
    path("how-votes-are-counted/", views.how_votes_are_counted, name="how-votes-are-counted"),
]
