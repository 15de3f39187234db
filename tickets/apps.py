from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_save


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        # The directory caches names of these rows; any change to one forgets it.
        from tickets import webhooks  # noqa: F401  (registers the webhook payload builders)
        from tickets.directory import directory_forget, directory_forget_user

        named = ["tickets.Category", "helpdesk.Team", "customers.Tier", "helpdesk.Membership"]
        for signal in (post_save, post_delete):
            for model in map(apps.get_model, named):
                signal.connect(directory_forget, sender=model, dispatch_uid="tickets_directory")
            signal.connect(
                directory_forget_user,
                sender=apps.get_model("helpdesk.User"),
                dispatch_uid="tickets_directory",
            )
