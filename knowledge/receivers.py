"""What the knowledge base does when another app's event happens (``config/events.py``)."""

from helpdesk.models import Tenant
from knowledge.services import banned_phrases_seed


def banned_phrases_on_tenant_seeding(*, tenant: Tenant, **event) -> None:
    banned_phrases_seed(tenant=tenant)
