from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from helpdesk.models import Membership, Tenant
from helpdesk.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token acting as a member of a tenant; prints only the key."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="command line")

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['tenant']!r}.")
        with scope(tenant=tenant):
            membership = Membership.objects.filter(
                user__email__iexact=options["email"], is_active=True
            ).first()
            if membership is None:
                raise CommandError(f"{options['email']} is not a member of {tenant.slug}.")
            _token, key = api_token_create(membership=membership, name=options["name"])
        self.stdout.write(key)
