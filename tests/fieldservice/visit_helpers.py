"""Technicians, their vans and visits on site, for the technician's pages and the visit
services (and the isolation walkers). Every helper's precondition: in the tenant's scope."""

import base64
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fieldservice import services, visits
from fieldservice.models import TechnicianProfile, WorkOrderKind
from fieldservice.models import WorkOrderStatus as S
from helpdesk.models import Role
from repairs import services as stock
from repairs.models import LocationKind
from tests.factories import MembershipFactory, UserFactory
from tests.tickets.helpers import make_customer, make_ticket

VISIT_ADDRESS = "No. 3 Xinyuan Street, Haidian, Beijing"
# A real 1×1 PNG and the start of a JPEG: what the content checks look at.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
SIGNATURE_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


def make_technician(tenant, email="wang@acme.test", *, coordinator=False, role=Role.AGENT):
    member = MembershipFactory(tenant=tenant, user=UserFactory(email=email), role=role)
    TechnicianProfile.objects.create(tenant=tenant, membership=member, is_coordinator=coordinator)
    return member


def stock_van(tenant, technician, part, quantity, name=None):
    """The technician's van holding ``quantity`` of ``part``."""
    van = stock.stock_location_create(
        tenant=tenant,
        actor=None,
        name=name or f"Van of {technician.user.email}",
        kind=LocationKind.VAN,
        holder=technician,
    )
    stock.stock_receive(tenant=tenant, actor=None, part=part, location=van, quantity=quantity)
    return van


def scheduled_visit(tenant, technician, *, start=None, hours=2, ticket=None, actor=None):
    """A visit on a new ticket, given to ``technician`` from ``start`` (default: in an hour)."""
    if ticket is None:
        ticket = make_ticket(tenant, customer=make_customer(tenant), actor=actor)
    visit = services.work_order_create(
        tenant=tenant, actor=actor, ticket=ticket, kind=WorkOrderKind.ON_SITE, address=VISIT_ADDRESS
    )
    start = start or timezone.now() + timedelta(hours=1)
    return services.work_order_schedule(
        work_order=visit,
        actor=actor,
        technician=technician,
        start=start,
        end=start + timedelta(hours=hours),
    )


def on_site_visit(tenant, technician, **values):
    """A visit the technician has travelled to and checked in on."""
    visit = scheduled_visit(tenant, technician, **values)
    for status in (S.EN_ROUTE, S.ON_SITE):
        services.work_order_move(work_order=visit, actor=technician, status=status)
    return visit


def upload(content: bytes, name: str = "photo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def field_job_objects(tenant, actor):
    """A technician's visit on site with a photo and the customer's signature, for the URL
    walkers."""
    technician = make_technician(tenant, "walker-technician@acme.test")
    job = on_site_visit(tenant, technician, actor=actor)
    photo = visits.visit_photo_add(work_order=job, actor=technician, upload=upload(PNG))
    visits.visit_sign(work_order=job, actor=technician, signed_by="Li Lei", data_url=SIGNATURE_URL)
    return {"field_job": job, "field_photo": photo}
