"""The data of the technician's journey, written into the running stack's database.

The journey runs in a process without Django; it runs this script through
``manage.py shell -c`` with ``E2E_FIELD_MARK`` set, and reads one JSON line back.

* ``E2E_FIELD_STEP=seed``: a technician of acme (password ``helpdesk-demo``) with a van
  holding three drain pumps, and a visit scheduled for them today on a new ticket.
* ``E2E_FIELD_STEP=check``: what the database says about that visit afterwards.
"""

import json
import os
import zoneinfo
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from customers.services import customer_create
from fieldservice import services as field
from fieldservice.models import TechnicianProfile, WorkOrder, WorkOrderKind
from helpdesk.demo import DEMO_PASSWORD
from helpdesk.models import Role, Tenant
from helpdesk.services import membership_create
from repairs import services as stock
from repairs.models import LocationKind, StockLevel
from tickets.models import Message
from tickets.services import ticket_create

MARK = os.environ["E2E_FIELD_MARK"]
EMAIL = f"tech-{MARK}@acme.test"


def seed(tenant: Tenant) -> dict:
    technician = membership_create(
        tenant=tenant, email=EMAIL, role=Role.AGENT, password=DEMO_PASSWORD, full_name="Wang Qiang"
    )
    TechnicianProfile.objects.create(tenant=tenant, membership=technician, regions="Chaoyang")
    part = stock.part_create(
        tenant=tenant, actor=None, part_number=f"PUMP-{MARK}", name="Drain pump", name_zh="排水泵"
    )
    van = stock.stock_location_create(
        tenant=tenant, actor=None, name=f"Van {MARK}", kind=LocationKind.VAN, holder=technician
    )
    stock.stock_receive(tenant=tenant, actor=None, part=part, location=van, quantity=3)
    customer = customer_create(
        tenant=tenant,
        name=f"Han Meimei {MARK}",
        email=f"han-{MARK}@example.test",
        phone="13800138000",
    )
    ticket = ticket_create(tenant=tenant, customer=customer, subject=f"Washer leaks {MARK}")
    visit = field.work_order_create(
        tenant=tenant,
        actor=None,
        ticket=ticket,
        kind=WorkOrderKind.ON_SITE,
        address="No. 8 Jianguo Road, Chaoyang, Beijing",
    )
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    today = timezone.localdate(timezone=zone)
    start = datetime.combine(today, time(0, 0), tzinfo=zone) + timedelta(hours=23)
    field.work_order_schedule(
        work_order=visit,
        actor=None,
        technician=technician,
        start=start,
        end=start + timedelta(minutes=30),
    )
    return {"email": EMAIL, "visit": visit.pk, "part": part.pk, "ticket": ticket.number}


def check(tenant: Tenant) -> dict:
    visit = WorkOrder.objects.get(technician__user__email=EMAIL)
    van_stock = StockLevel.objects.get(location__holder=visit.technician)
    return {
        "status": visit.status,
        "work_done": visit.work_done,
        "parts": [(used.part.part_number, used.quantity) for used in visit.parts_used.all()],
        "photos": visit.photos.count(),
        "signed_by": visit.signed_by,
        "signature_bytes": visit.signature.size if visit.signature else 0,
        "van_on_hand": van_stock.on_hand,
        "ticket_status": visit.ticket.status,
        "replies": list(
            Message.objects.filter(ticket=visit.ticket, author_member=visit.technician).values_list(
                "body", flat=True
            )
        ),
    }


tenant = Tenant.objects.get(slug="acme")
with scope(tenant=tenant), transaction.atomic():
    result = seed(tenant) if os.environ["E2E_FIELD_STEP"] == "seed" else check(tenant)
print(json.dumps(result))
