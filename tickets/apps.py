from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        from customers.models import Tier
        from helpdesk.models import Membership, Team, User
        from tickets import webhooks  # noqa: F401  (registers the webhook payload builders)
        from tickets.directory import directory_forget, directory_forget_user
        from tickets.models import Category

        for signal in (post_save, post_delete):
            for model in (Category, Team, Tier, Membership):
                signal.connect(directory_forget, sender=model, dispatch_uid="tickets_directory")
            signal.connect(directory_forget_user, sender=User, dispatch_uid="tickets_directory")
