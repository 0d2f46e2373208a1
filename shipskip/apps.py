from django.apps import AppConfig


class ShipSkipConfig(AppConfig):
    """The project's own start-up: what belongs to no app of its own."""

    name = "shipskip"
    verbose_name = "Ship or Skip"

    def ready(self) -> None:
        from shipskip import csrf

        csrf.install()
