from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from votes.services import votes_merge_anonymous
from votes.voters import anonymous_id_from


@receiver(user_logged_in, dispatch_uid="votes.merge_anonymous_votes")
def merge_anonymous_votes(sender, request, user, **kwargs) -> None:
    """Logging in or signing up keeps the votes cast before, counted once."""
    anonymous_id = anonymous_id_from(request) if request is not None else None
    if anonymous_id is not None:
        votes_merge_anonymous(user_id=user.pk, anonymous_id=anonymous_id)
