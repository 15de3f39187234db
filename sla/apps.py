from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"

    def ready(self) -> None:
        from sla import webhooks  # noqa: F401  (registers the webhook payload builders)
