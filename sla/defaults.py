"""The SLA every new tenant starts with (all editable afterwards).

* Urgent: first response 30 min, next response 30 min, resolution 24 h — on the 24×7
  calendar (24小时不间断).
* VIP and Important customers: first response 30 min, next response 2 h, resolution 12 h.
* Everything else: first response 1 h, next response 4 h, resolution 24 h.
Non-urgent targets run on the service-hours calendar (every day 08:00–20:00).
"""

from customers.models import Tier
from helpdesk.models import Tenant

from .models import Calendar, SlaPolicy

SERVICE_HOURS = {str(day): [["08:00", "20:00"]] for day in range(7)}


def seed_sla_defaults(tenant: Tenant) -> None:
    """Idempotent. Precondition: the tenant's scope is active and its tiers exist."""
    service, _ = Calendar.objects.get_or_create(
        tenant=tenant,
        name="Service hours 服务时间",
        defaults={"time_zone": tenant.time_zone, "opening_hours": SERVICE_HOURS},
    )
    always, _ = Calendar.objects.get_or_create(
        tenant=tenant, name="24×7", defaults={"time_zone": tenant.time_zone, "is_24x7": True}
    )
    if SlaPolicy.objects.exists():
        return
    SlaPolicy.objects.create(
        tenant=tenant,
        name="Urgent 紧急",
        position=10,
        priorities=["urgent"],
        calendar=always,
        first_response_minutes=30,
        next_response_minutes=30,
        resolution_minutes=24 * 60,
    )
    vip = SlaPolicy.objects.create(
        tenant=tenant,
        name="VIP & Important 重要客户",
        position=20,
        calendar=service,
        first_response_minutes=30,
        next_response_minutes=120,
        resolution_minutes=12 * 60,
    )
    vip.tiers.set(Tier.objects.filter(code__in=["vip", "important"]))
    SlaPolicy.objects.create(
        tenant=tenant,
        name="Standard 标准",
        position=100,
        calendar=service,
        first_response_minutes=60,
        next_response_minutes=240,
        resolution_minutes=24 * 60,
    )
