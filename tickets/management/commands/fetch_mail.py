from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from helpdesk.models import Tenant
from tickets.inbound_mail import mailbox_fetch


class Command(BaseCommand):
    help = "Read a tenant's support mailbox (IMAP) once: new tickets and threaded replies."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="the tenant's slug")

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"], is_active=True).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['tenant']!r}.")
        with scope(tenant=tenant):
            count = mailbox_fetch(tenant=tenant)
        self.stdout.write(f"{count} message(s) read for {tenant.slug}.")
