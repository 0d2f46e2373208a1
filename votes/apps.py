from django.apps import AppConfig


class VotesConfig(AppConfig):
    name = "votes"
    verbose_name = "Community votes and bookmarks"

    def ready(self) -> None:
        from votes import receivers  # noqa: F401
