"""Demo service plan and contract: "Gold" (on-site within 24 h, first response 30 min, parts
and labour, two preventive visits a year), sold for the first demo unit if there is one."""

from datetime import timedelta

from django.utils import timezone

from helpdesk.models import Tenant
from products.models import ServiceContract, ServicePlan, Unit
from products.services import service_contract_create, service_plan_create

GOLD = {
    "name": "Gold",
    "name_zh": "金牌服务",
    "covers_parts": True,
    "covers_labour": True,
    "covers_on_site": True,
    "on_site_within_hours": 24,
    "first_response_minutes": 30,
    "resolution_minutes": None,
    "preventive_visits_per_year": 2,
    "is_active": True,
}
DEMO_REFERENCE = "GOLD-2026-0001"


def seed_service_contracts(tenant: Tenant) -> ServiceContract | None:
    """Idempotent. Precondition: the tenant's scope is active. Returns the demo contract, or
    None while the tenant has no unit to attach it to."""
    plan = ServicePlan.objects.filter(name=GOLD["name"]).first()
    if plan is None:
        plan = service_plan_create(tenant=tenant, actor=None, **GOLD)
    existing = ServiceContract.objects.filter(reference=DEMO_REFERENCE).first()
    unit = Unit.objects.order_by("pk").first()
    if existing is not None or unit is None:
        return existing
    today = timezone.localdate()
    return service_contract_create(
        tenant=tenant,
        actor=None,
        plan=plan,
        reference=DEMO_REFERENCE,
        unit=unit,
        organization=None,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=335),
        notes="Demo contract",
    )
