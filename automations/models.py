"""Triggers: a tenant's own rules that run when something happens to a ticket.

A trigger names the event it runs on, its conditions (``automations.conditions``) and its
actions (``automations.actions``), both stored as checked JSON. Triggers of one event run in
``position`` order; one with ``stop_processing`` ends the run when it fires. Writes go through
``automations.services``.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Membership, Team, TenantOwned
from tickets.models import Ticket


class TriggerEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_UPDATED = "ticket.updated", _("Ticket updated")
    MESSAGE_CUSTOMER = "message.customer", _("Customer wrote")
    MESSAGE_AGENT = "message.agent", _("Agent replied")
    SLA_WARNING = "sla.warning", _("SLA warning (amber)")
    SLA_BREACH = "sla.breach", _("SLA breached (red)")
    SURVEY_ANSWERED = "survey.answered", _("Survey answered")
    WORK_ORDER_CREATED = "work_order.created", _("Work order created")
    WORK_ORDER_CHANGED = "work_order.changed", _("Work order changed")
    FOLLOW_UP_OVERDUE = "follow_up.overdue", _("Follow-up overdue")


class Trigger(TenantOwned):
    name = models.CharField(_("name"), max_length=120)
    event = models.CharField(_("runs when"), max_length=32, choices=TriggerEvent.choices)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("order"), default=100)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    stop_processing = models.BooleanField(_("stop processing further triggers"), default=False)
    # Set when the trigger was switched off because it names something that is gone.
    disabled_reason = models.CharField(_("why it was disabled"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("trigger")
        verbose_name_plural = _("triggers")
        ordering = ["position", "pk"]
        indexes = [
            models.Index(fields=["tenant", "event", "is_active"], name="trigger_tenant_event")
        ]

    def __str__(self) -> str:
        return self.name


class TriggerFiring(TenantOwned):
    """One time a trigger fired on a ticket: the counters of the last 7 and 30 days."""

    trigger = models.ForeignKey(Trigger, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["trigger", "created_at"], name="trigger_firing_recent")]

    def __str__(self) -> str:
        return f"{self.trigger_id} on {self.ticket_id}"


class Automation(TenantOwned):
    """A time-based rule: checked by the sweep (``automations.sweep``) on the tickets its
    conditions name a time for ("pending and not updated for 72 hours"), firing at most once
    per ticket and reopening (``AutomationRun``)."""

    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("order"), default=100)
    conditions = models.JSONField(_("conditions"), default=dict)
    actions = models.JSONField(_("actions"), default=list)
    disabled_reason = models.CharField(_("why it was disabled"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("automation")
        verbose_name_plural = _("automations")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class AutomationRun(TenantOwned):
    """An automation fired on a ticket, in the ticket's ``cycle`` (its reopen count): unique,
    so two sweepers racing on one ticket fire it once, and a reopened ticket can be reminded
    again."""

    automation = models.ForeignKey(Automation, on_delete=models.CASCADE, related_name="runs")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    cycle = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["automation", "ticket", "cycle"], name="automation_run_once"
            )
        ]
        indexes = [models.Index(fields=["automation", "created_at"], name="automation_run_recent")]

    def __str__(self) -> str:
        return f"{self.automation_id} on {self.ticket_id} ({self.cycle})"


class RoundRobin(TenantOwned):
    """Whose turn it is in a team, for the ``assign_round_robin`` action: the member given the
    last ticket. One row per team, locked while the next member is chosen."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="+")
    last_member = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.team_id}: {self.last_member_id}"
