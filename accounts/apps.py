from django.apps import AppConfig
from django.core.signals import request_finished


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from accounts.sessions import forget_loaded_user
        from votes.selectors import forget_preloaded_state

        request_finished.connect(forget_loaded_user, dispatch_uid="accounts.forget_loaded_user")
        request_finished.connect(
            forget_preloaded_state, dispatch_uid="accounts.forget_preloaded_state"
        )
