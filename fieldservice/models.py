"""Work orders: an on-site visit by a technician, or a depot repair (return to factory, RMA).

Both kinds share one row and one ``status`` field; which statuses a work order may take, and
in which order, is the kind's table in ``fieldservice.transitions``. Writes go through
``fieldservice.services``; nothing else calls ``save()`` on these.
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from helpdesk.models import AuditEvent, Membership, Skill, Tenant, TenantOwned
from products.models import Unit
from repairs.models import Part, StockMovement
from sla.models import Calendar
from tickets.models import Ticket


def work_order_file_path(instance, filename: str) -> str:
    """Photos and signatures under the tenant, by a random name (never the uploader's)."""
    return f"work-orders/{instance.tenant_id}/{uuid.uuid4().hex}"


class WorkOrderKind(models.TextChoices):
    ON_SITE = "on_site", _("On-site visit")
    DEPOT_REPAIR = "depot_repair", _("Depot repair")


class WorkOrderStatus(models.TextChoices):
    # On-site visits.
    UNSCHEDULED = "unscheduled", _("Unscheduled")
    SCHEDULED = "scheduled", _("Scheduled")
    EN_ROUTE = "en_route", _("En route")
    ON_SITE = "on_site", _("On site")
    COMPLETED = "completed", _("Completed")
    COULD_NOT_COMPLETE = "could_not_complete", _("Could not complete")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    # Depot repairs.
    RECEIVED = "received", pgettext_lazy("repair stage", "Received")
    DIAGNOSED = "diagnosed", _("Diagnosed")
    WAITING_FOR_PARTS = "waiting_for_parts", _("Waiting for parts")
    WAITING_FOR_APPROVAL = "waiting_for_approval", _("Waiting for the customer's approval")
    REPAIRED = "repaired", _("Repaired")
    QUALITY_CHECK = "quality_check", _("Quality check")
    SHIPPED_BACK = "shipped_back", _("Shipped back")
    DELIVERED = "delivered", _("Delivered")


class WorkOrder(TenantOwned):
    """A visit or a repair done for a ticket, about its unit when known."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="work_orders")
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="work_orders"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=WorkOrderKind.choices)
    status = models.CharField(_("status"), max_length=24, choices=WorkOrderStatus.choices)
    address = models.TextField(_("address"), blank=True)
    required_skills = models.ManyToManyField(
        Skill, verbose_name=_("required skills"), blank=True, related_name="+"
    )
    appointment_start = models.DateTimeField(_("appointment start"), null=True, blank=True)
    appointment_end = models.DateTimeField(_("appointment end"), null=True, blank=True)
    technician = models.ForeignKey(
        Membership,
        verbose_name=_("technician"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    work_done = models.TextField(_("work done"), blank=True)
    outcome_reason = models.TextField(_("why it could not be completed"), blank=True)
    rma_number = models.CharField(_("RMA number"), max_length=20, blank=True)
    inbound_carrier = models.CharField(_("inbound carrier"), max_length=100, blank=True)
    inbound_tracking = models.CharField(_("inbound tracking number"), max_length=100, blank=True)
    return_tracking = models.CharField(_("return tracking number"), max_length=100, blank=True)
    # Where the visit is, for dispatch by region (from the unit's or customer's, editable).
    region = models.CharField(_("region"), max_length=100, blank=True)
    # When the current status was entered: the aging of open repairs by stage.
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    # The promise (``fieldservice.targets``): on site by (a visit) or repair turnaround (a
    # depot repair), in minutes of ``target_calendar``, fixed when the work order is created
    # so it stays as promised. ``due_at`` is when it falls due, ``due_met_at`` when it was kept
    # (checked in; shipped back), ``breached_at`` when it was missed. The sweeper reads
    # ``next_check_at`` (the next rung of the ladder) through its partial index.
    target_minutes = models.DecimalField(
        _("target (minutes)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    target_calendar = models.ForeignKey(
        Calendar, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    due_met_at = models.DateTimeField(_("target met at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("target missed at"), null=True, blank=True)
    colour = models.CharField(max_length=8, default="none")
    next_check_at = models.DateTimeField(null=True, blank=True)
    # The customer's signature on completion (a PNG drawn on the technician's phone).
    signature = models.FileField(_("signature"), upload_to=work_order_file_path, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=100, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    # The appointment start the day-before reminder was sent for: a new window sends anew.
    reminder_sent_for = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "rma_number"],
                condition=~models.Q(rma_number=""),
                name="work_order_unique_rma_per_tenant",
            )
        ]
        indexes = [
            models.Index(
                fields=["technician", "appointment_start"], name="work_order_technician_day"
            ),
            models.Index(
                fields=["next_check_at"],
                name="work_order_due_check",
                condition=models.Q(next_check_at__isnull=False),
            ),
            models.Index(fields=["tenant", "kind", "status"], name="work_order_tenant_status"),
        ]

    def __str__(self) -> str:
        return self.rma_number or f"WO-{self.pk}"

    @property
    def is_visit(self) -> bool:
        return self.kind == WorkOrderKind.ON_SITE


class RmaCounter(TenantOwned):
    """The last RMA number handed out in a tenant; incremented in the creating transaction,
    so the row lock serialises concurrent creations (as ``tickets.models.TicketCounter``)."""

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.last_number}"


class WorkOrderEvent(AuditEvent):
    """Append-only history of a work order: created, scheduled, each status change."""

    subject = "work_order"
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        indexes = [
            models.Index(fields=["work_order", "created_at"], name="work_order_event_history")
        ]


class WorkOrderEscalation(TenantOwned):
    """One rung of a work order's ladder (amber warning, red breach, manager), recorded once:
    unique, so that no sweeper records it twice."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="escalations")
    level = models.CharField(max_length=10)  # sla.deadlines WARNING, BREACH, MANAGER
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "level"], name="work_order_escalation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.level}"


class WorkOrderPhoto(TenantOwned):
    """A photo the technician took on site (content-checked JPEG or PNG)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=work_order_file_path)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of {self.work_order_id}"


class WorkOrderPart(TenantOwned):
    """A part fitted on a visit: the stock consumption (``repairs.services.stock_consume``,
    from the technician's van) it wrote, so reports count parts per visit."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="parts_used")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    movement = models.OneToOneField(StockMovement, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.part_id} on {self.work_order_id}"


class TechnicianProfile(TenantOwned):
    """A member who goes out on visits: the regions they cover, their working calendar and
    base. Dispatch proposes only members with an active profile; ``is_coordinator`` lets a
    technician also see and assign everyone's jobs."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="technician_profile"
    )
    regions = models.TextField(_("regions (one per line)"), blank=True)
    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("working calendar"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    home_base = models.CharField(_("home base"), max_length=200, blank=True)
    is_coordinator = models.BooleanField(_("also a dispatch coordinator"), default=False)
    is_active = models.BooleanField(_("goes out on visits"), default=True)

    class Meta:
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")

    def __str__(self) -> str:
        return str(self.membership)

    @property
    def region_list(self) -> list[str]:
        return [line.strip() for line in self.regions.splitlines() if line.strip()]


def default_stage_days() -> dict:
    """Days a depot repair is expected to spend in each stage before the next."""
    return {
        "received": 1,
        "diagnosed": 1,
        "waiting_for_parts": 3,
        "waiting_for_approval": 2,
        "repaired": 1,
        "quality_check": 1,
        "shipped_back": 2,
    }


class FieldServiceSettings(TenantOwned):
    """A tenant's field-service promises: on site by (default 48 h) and repair turnaround
    (default 7 days), on ``calendar`` (none: round the clock in the tenant's time zone). An
    SLA policy, or a service plan's ``on_site_within_hours``, can only shorten them."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+")
    on_site_minutes = models.PositiveIntegerField(_("on site within (minutes)"), default=48 * 60)
    turnaround_minutes = models.PositiveIntegerField(
        _("repair turnaround (minutes)"), default=7 * 24 * 60
    )
    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("calendar"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    amber_percent = models.PositiveSmallIntegerField(
        _("amber warning at (percent of the target)"), default=75
    )
    manager_after_percent = models.PositiveSmallIntegerField(
        _("escalate to the manager after a further (percent of the target)"), default=50
    )
    stage_days = models.JSONField(_("expected days per repair stage"), default=default_stage_days)
    send_reminders = models.BooleanField(
        _("remind the customer the day before a visit"), default=True
    )

    def __str__(self) -> str:
        return f"Field service settings of {self.tenant_id}"


class WorkOrderNotice(TenantOwned):
    """One message owed to the customer about a work order (confirmation, on the way,
    completion, repair stage, reminder): written with the change, sent once after the commit
    (``fieldservice.customer_notices``). ``key`` names the change it tells of, so a change is
    told once whoever receives it twice; ``emailed_at`` is the send-once claim."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=80)
    # The status the change led to, as it was then (the work order may have moved on since).
    status = models.CharField(max_length=24, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "key"], name="work_order_notice_once")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="work_order_notice_owed",
                condition=models.Q(emailed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.work_order_id}"
