from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class User(AbstractUser):
    """Ship or Skip's user; a model of our own so accounts can grow without a migration ordeal."""

    verdict_alerts = models.BooleanField(
        "e-mail me when a bookmarked tool's verdict changes", default=True
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


class Session(AbstractBaseSession):
    """Django's database session, with the id of the user it logs in beside the data (kept in
    step on every save by ``accounts.sessions.SessionStore``): the one read every logged-in
    request makes then brings the user too. Django documents the pattern ("Extending
    database-backed session engines")."""

    user_id = models.BigIntegerField(null=True, blank=True, editable=False)

    @classmethod
    def get_session_store_class(cls):
        from accounts.sessions import SessionStore

        return SessionStore
