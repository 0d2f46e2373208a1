from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Ship or Skip's user; a model of our own so accounts can grow without a migration ordeal."""

    verdict_alerts = models.BooleanField(
        "e-mail me when a bookmarked tool's verdict changes", default=True
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
