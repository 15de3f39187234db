"""Work orders: an on-site visit by a technician, or a depot repair (return to factory, RMA).

Both kinds share one row and one ``status`` field; which statuses a work order may take, and
in which order, is the kind's table in ``fieldservice.transitions``. Writes go through
``fieldservice.services``; nothing else calls ``save()`` on these.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from helpdesk.models import AuditEvent, Membership, Skill, Tenant, TenantOwned
from products.models import Unit
from tickets.models import Ticket


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
            )
        ]

    def __str__(self) -> str:
        return self.rma_number or f"WO-{self.pk}"


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
