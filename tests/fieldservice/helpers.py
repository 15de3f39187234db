"""Work orders for the field-service tests (and the isolation walkers)."""

from datetime import UTC, date, datetime, timedelta

from fieldservice import services
from fieldservice.models import TechnicianProfile, WorkOrderKind
from tests.fieldservice.visit_helpers import field_job_objects
from tests.repairs.quote_helpers import make_unit
from tests.tickets.helpers import make_customer, make_ticket

ADDRESS = "No. 8 Jianguo Road, Chaoyang, Beijing"
NINE = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def window(start_hour: int = 9, hours: int = 2, day: datetime = NINE):
    start = day.replace(hour=start_hour)
    return start, start + timedelta(hours=hours)


def make_work_order(tenant, actor=None, kind=WorkOrderKind.ON_SITE, ticket=None, **values):
    """A visit (at ``ADDRESS`` unless told) or a depot repair on a new ticket. Precondition:
    in the tenant's scope."""
    if ticket is None:
        ticket = make_ticket(tenant, customer=make_customer(tenant), actor=actor)
    if kind == WorkOrderKind.ON_SITE:
        values.setdefault("address", ADDRESS)
    return services.work_order_create(
        tenant=tenant, actor=actor, ticket=ticket, kind=kind, **values
    )


def installed_unit(tenant, customer, serial="SN-FS-1", address=ADDRESS):
    unit = make_unit(tenant, customer, serial=serial, purchased_on=date(2026, 1, 10))
    unit.installation_address = address
    unit.save(update_fields=["installation_address"])
    return unit


def fieldservice_objects(tenant, actor):
    """A work order and a technician's job the URL walkers point at, and ``actor`` made a
    technician too (their profile, their own calendar-feed page). Precondition: in the
    tenant's scope."""
    return {
        "work_order": make_work_order(tenant, actor),
        **field_job_objects(tenant, actor),
        "technician_profile": TechnicianProfile.objects.create(tenant=tenant, membership=actor),
    }
