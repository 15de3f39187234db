from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from helpdesk.models import Tenant
from sla.models import Calendar
from sla.services import calendar_load_holidays, sla_settings_changed


class Command(BaseCommand):
    help = "Load a country's public holidays into a tenant's calendar (e.g. --country CN)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--calendar", required=True, help="calendar name")
        parser.add_argument("--country", required=True, help="ISO code, e.g. CN, US, DE")
        parser.add_argument("--year", type=int, action="append", required=True)

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['tenant']!r}.")
        with scope(tenant=tenant):
            calendar = Calendar.objects.filter(name=options["calendar"]).first()
            if calendar is None:
                raise CommandError(f"No calendar {options['calendar']!r} in {tenant.slug}.")
            try:
                added = calendar_load_holidays(
                    calendar=calendar, country=options["country"], years=options["year"]
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            sla_settings_changed(tenant=tenant)
        self.stdout.write(f"Added {added} holidays to {calendar.name}")
