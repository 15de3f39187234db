from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from helpdesk.services import tenant_create


class Command(BaseCommand):
    help = "Create a tenant and its first admin."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", required=True)
        parser.add_argument("--time-zone", default="Asia/Shanghai")
        parser.add_argument("--language", default="zh-hans", choices=["en", "zh-hans"])

    def handle(self, *args, **options):
        try:
            tenant, membership = tenant_create(
                slug=options["slug"],
                name=options["name"],
                admin_email=options["admin_email"],
                admin_password=options["admin_password"],
                time_zone=options["time_zone"],
                default_language=options["language"],
                origin="command",
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from error
        self.stdout.write(f"Created tenant {tenant.slug} with admin {membership.user.email}")
