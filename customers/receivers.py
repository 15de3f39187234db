"""What customers do when another app's event happens (wired in ``config/events.py``)."""

from customers.defaults import seed_tiers
from helpdesk.models import Tenant


def tiers_on_tenant_seeding(*, tenant: Tenant, **event) -> None:
    seed_tiers(tenant)
