from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Ship or Skip's user; a model of our own so accounts can grow without a migration ordeal."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
