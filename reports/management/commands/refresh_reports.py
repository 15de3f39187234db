from django.core.management.base import BaseCommand
from django_scopes import scope

from helpdesk.models import Tenant
from reports.rollup import rollup_refresh


class Command(BaseCommand):
    help = (
        "Refresh every active tenant's dashboard figures and daily rollups now (what beat's "
        "reports.tasks.refresh_all_rollups queues every few minutes), without a worker."
    )

    def handle(self, *args, **options):
        for tenant in Tenant.objects.filter(is_active=True).order_by("pk"):
            with scope(tenant=tenant):
                result = rollup_refresh(tenant=tenant)
            self.stdout.write(f"{tenant.slug}: {result.tickets} tickets, {result.days} days")
