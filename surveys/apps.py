from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"

    def ready(self) -> None:
        from surveys import webhooks  # noqa: F401  (registers the webhook payload builders)
