from django.apps import AppConfig


class ThrottleConfig(AppConfig):
    name = "throttle"
    verbose_name = "Rate limits"

    def ready(self) -> None:
        from throttle import checks  # noqa: F401
