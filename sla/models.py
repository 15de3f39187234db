"""SLA: calendars, policies, each ticket's stored deadlines, and the escalation record.

Deadlines are stored and indexed, computed by ``sla.deadlines`` (a pure function) whenever
something they depend on changes; the sweeper only reads ``next_check_at``.
"""

from datetime import time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Tier
from helpdesk.models import Tenant, TenantOwned, validate_time_zone
from products.entitlement import Kind
from products.models import ServiceContract
from tickets.models import Category, Priority, Ticket

WEEKDAY_NAMES = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)


def validate_opening_hours(value: dict) -> None:
    """``{"0": [["09:00", "18:00"]], …}`` — weekday (0 = Monday) → list of [open, close]."""
    if not isinstance(value, dict):
        raise ValidationError(_("Opening hours must map weekdays to intervals."))
    for day, intervals in value.items():
        if str(day) not in {str(d) for d in range(7)} or not isinstance(intervals, list):
            raise ValidationError(_("Unknown weekday %(day)s."), params={"day": day})
        for interval in intervals:
            try:
                opens, closes = (time.fromisoformat(part) for part in interval)
            except (TypeError, ValueError) as error:
                raise ValidationError(
                    _('%(value)s is not an interval like ["09:00", "18:00"].'),
                    params={"value": interval},
                ) from error
            if opens == closes:
                raise ValidationError(_("An interval cannot open and close at the same time."))


class Calendar(TenantOwned):
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    is_24x7 = models.BooleanField(_("round the clock (24×7)"), default=False)
    opening_hours = models.JSONField(
        _("opening hours"), default=dict, blank=True, validators=[validate_opening_hours]
    )

    class Meta:
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="calendar_unique_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class Holiday(TenantOwned):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(TenantOwned):
    """Ordered; the first active policy whose conditions all match a ticket applies.

    An empty condition matches everything. Targets are minutes of the chosen calendar.
    """

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    tiers = models.ManyToManyField(Tier, verbose_name=_("customer tiers"), blank=True)
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True)
    # ``products.entitlement.Kind`` values (no_unit, in_warranty, out_of_warranty, contract):
    # the policy matches a ticket whose entitlement has any of them; empty matches any.
    entitlements = models.JSONField(_("entitlements"), default=list, blank=True)
    calendar = models.ForeignKey(Calendar, verbose_name=_("calendar"), on_delete=models.PROTECT)
    # Minutes with two decimals: 0.1 is six seconds, which lets drills and tests run a policy
    # through warning, breach and escalation in seconds.
    first_response_minutes = models.DecimalField(
        _("first response (minutes)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.05"))],
    )
    next_response_minutes = models.DecimalField(
        _("next response (minutes)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.05"))],
    )
    resolution_minutes = models.DecimalField(
        _("resolution (minutes)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.05"))],
    )
    # Field service (``fieldservice.targets``): shorten the tenant's on-site promise (48 h)
    # and depot-repair turnaround (7 days) for the tickets this policy matches; empty keeps it.
    on_site_minutes = models.DecimalField(
        _("on site within (minutes)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.05"))],
    )
    repair_turnaround_minutes = models.DecimalField(
        _("repair turnaround (minutes)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.05"))],
    )
    amber_percent = models.PositiveSmallIntegerField(
        _("amber warning at (percent of the target)"), default=75
    )
    manager_after_percent = models.PositiveSmallIntegerField(
        _("escalate to the manager after a further (percent of the target)"), default=50
    )
    pause_on_hold = models.BooleanField(_("pause the clock while on hold"), default=False)

    # What an admin edits (the settings form) and the API shows, besides the id.
    EDITABLE_FIELDS = (
        "name",
        "position",
        "is_active",
        "priorities",
        "tiers",
        "categories",
        "entitlements",
        "calendar",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "on_site_minutes",
        "repair_turnaround_minutes",
        "amber_percent",
        "manager_after_percent",
        "pause_on_hold",
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.priorities or []) - set(Priority.values)
        if unknown:
            raise ValidationError({"priorities": _("Unknown priority.")})
        if not isinstance(self.entitlements, list) or set(self.entitlements) - set(Kind.CHOICES):
            raise ValidationError({"entitlements": _("Unknown entitlement.")})
        if not 1 <= self.amber_percent <= 99:
            raise ValidationError({"amber_percent": _("Choose a percentage from 1 to 99.")})


class Colour(models.TextChoices):
    GREEN = "green", _("On track")
    AMBER = "amber", _("At risk")
    RED = "red", _("Breached")
    MET = "met", _("Met")
    PAUSED = "paused", _("Paused")
    NONE = "none", _("No SLA")


class Target(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class Level(models.TextChoices):
    WARNING = "warning", _("Warning (amber)")
    BREACH = "breach", _("Breach (red)")
    MANAGER = "manager", _("Escalated to manager")
    RULE = "rule", _("Escalated by rule")


class TicketSla(TenantOwned):
    """A ticket's SLA state, stored so queues sort and the sweeper selects by index."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="sla")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    # Start of the current cycle of each target (for the amber share), and the cycle number.
    next_response_started_at = models.DateTimeField(null=True, blank=True)
    resolution_started_at = models.DateTimeField(null=True, blank=True)
    next_response_cycle = models.PositiveIntegerField(default=0)
    resolution_cycle = models.PositiveIntegerField(default=0)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    next_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveBigIntegerField(default=0)
    colour = models.CharField(max_length=8, choices=Colour.choices, default=Colour.NONE)
    next_deadline_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    is_escalated = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # The ticket's entitlement when it was created (or its unit last changed): the kinds a
    # policy matches on, and the contract whose targets replace the policy's, with those
    # targets copied so they stay as promised while the ticket is open and the sweeper reads
    # them off this row. ``entitlement_kinds`` None: not worked out yet (rows older than it).
    entitlement_kinds = models.JSONField(null=True, blank=True)
    contract = models.ForeignKey(
        ServiceContract, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contract_first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    contract_resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    # A target set on this ticket alone (a trigger's "feedback within 48 h"): wins over the
    # contract's and the policy's while the ticket is open. Blank: no override.
    target_first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    target_resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            # The sweeper's index: only rows that still have something to check.
            models.Index(
                fields=["next_check_at"],
                name="sla_due_check",
                condition=models.Q(next_check_at__isnull=False),
            ),
            models.Index(fields=["tenant", "colour"], name="sla_tenant_colour"),
            models.Index(fields=["tenant", "next_deadline_at"], name="sla_tenant_deadline"),
        ]

    def __str__(self) -> str:
        return f"SLA of ticket {self.ticket_id}: {self.colour}"


class PauseSpan(TenantOwned):
    """A span during which the ticket's clock stood still (waiting on the customer)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.started_at} – {self.ended_at or '…'}"


class Escalation(TenantOwned):
    """One warning, breach or escalation; unique so that no sweeper records it twice."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    target = models.CharField(max_length=20, choices=Target.choices)
    cycle = models.PositiveIntegerField(default=0)
    level = models.CharField(max_length=10, choices=Level.choices)
    reason = models.CharField(max_length=200, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "target", "cycle", "level"], name="escalation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} {self.level}"


class EscalationRules(TenantOwned):
    """What the desk counts as a repeat complaint (seed 004: 二次投诉): the window read by the
    triggers' ``repeat_complaint`` condition and by the repeat-complaint KPI. What escalates
    on creation is the tenant's triggers (``automations.defaults``)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+")
    repeat_complaint_days = models.PositiveSmallIntegerField(
        _("a second complaint within (days) is a repeat complaint"), default=30
    )

    def __str__(self) -> str:
        return f"Escalation rules of {self.tenant_id}"
