from django.apps import AppConfig


class RepairsConfig(AppConfig):
    name = "repairs"
    verbose_name = "Spare parts, stock and repair cost"

    def ready(self) -> None:
        from repairs import (
            importing,  # noqa: F401  (registers the parts import job)
            webhooks,  # noqa: F401  (registers the webhook payload builders)
        )
