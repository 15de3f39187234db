"""The demo field service: technicians with vans and a working calendar, three work orders
through the services, and nothing doubled when the seed runs again."""

from django_scopes import scope

from fieldservice.demo import CALENDAR_NAME, seed_field_service
from fieldservice.models import TechnicianProfile, WorkOrder
from fieldservice.models import WorkOrderStatus as S
from helpdesk.models import Role
from repairs.demo import seed_parts
from repairs.models import LocationKind, StockLevel
from tests.factories import MembershipFactory, UserFactory
from tests.tickets.helpers import make_customer, make_ticket


def test_it_seeds_technicians_and_work_orders_once(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        zhang, zhao = (
            MembershipFactory(tenant=tenant_a, user=UserFactory(email=email), role=Role.AGENT)
            for email in ("agent1@acme.test", "agent3@acme.test")
        )
        customer = make_customer(tenant_a)
        for subject in ("Washing machine leaks", "空调不制冷", "保修期内更换压缩机"):
            make_ticket(tenant_a, customer=customer, subject=subject)
        seed_parts(tenant_a, zhang)
        seed_field_service(tenant_a, admin_a)
        seed_field_service(tenant_a, admin_a)
        profiles = {p.membership: p for p in TechnicianProfile.objects.select_related("calendar")}
        work_orders = sorted(WorkOrder.objects.values_list("kind", "status", "technician"))
        vans = StockLevel.objects.filter(location__kind=LocationKind.VAN, location__holder=zhao)
        assert set(profiles) == {zhang, zhao}
        assert profiles[zhang].is_coordinator and not profiles[zhao].is_coordinator
        assert {p.calendar.name for p in profiles.values()} == {CALENDAR_NAME}
        assert sum(vans.values_list("on_hand", flat=True)) == 7
    assert work_orders == [
        ("depot_repair", S.DIAGNOSED, None),
        ("on_site", S.SCHEDULED, zhang.pk),
        ("on_site", S.UNSCHEDULED, None),
    ]
