from django.apps import AppConfig


class FieldserviceConfig(AppConfig):
    name = "fieldservice"
    verbose_name = "Field service visits and depot repairs"

    def ready(self) -> None:
        from fieldservice import webhooks  # noqa: F401  (registers the webhook payload builders)
