from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = "Products and installed base"

    def ready(self) -> None:
        from products import (
            importing,  # noqa: F401  (registers the units import job)
            webhooks,  # noqa: F401  (registers the webhook payload builders)
        )
