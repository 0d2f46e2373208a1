from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from throttle.limits import Rate

RATE_SETTINGS = [
    "SHIPSKIP_VOTE_RATE",
    "SHIPSKIP_VOTE_RATE_PER_ADDRESS",
    "SHIPSKIP_LOGIN_FAILURES",
    "SHIPSKIP_LOGIN_FAILURES_PER_ADDRESS",
    "SHIPSKIP_API_RATE",
    "SHIPSKIP_NEWSLETTER_RATE",
    "SHIPSKIP_SIGNUP_RATE",
    "SHIPSKIP_PASSWORD_RESET_RATE",
]


@checks.register()
def check_rates(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A malformed rate fails at start-up, not on the first vote."""
    errors = []
    for name in RATE_SETTINGS:
        try:
            Rate.parse(getattr(settings, name))
        except ImproperlyConfigured as error:
            errors.append(checks.Error(f"{name}: {error}", id="throttle.E001"))
    return errors
