from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The wiring above every app: demo seeding commands and the table of event receivers."""

    name = "config"
    verbose_name = "Wiring"

    def ready(self) -> None:
        # Last in INSTALLED_APPS: every app's models are loaded when the receivers import them.
        from config.events import connect_receivers

        connect_receivers()
