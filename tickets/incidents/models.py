"""Major incidents (重大事件), contingency playbooks (应急预案), surge alerts.

Imported at the bottom of ``tickets.models`` so Django registers them with the tickets app;
they name tickets' models by label, so the two modules do not import each other.
Writes go through ``tickets.incidents.services``; nothing else calls ``save()`` on these models.
"""

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from helpdesk.models import AuditEvent, Membership, Role, Tenant, TenantOwned

__all__ = [
    "Incident",
    "IncidentEvent",
    "IncidentStep",
    "IncidentTicket",
    "IncidentUpdate",
    "IncidentUpdateDelivery",
    "Playbook",
    "PlaybookStep",
    "SurgeAlert",
    "SurgeSettings",
]

# Seed 004: a major incident gets its first public update within 30 minutes of being opened.
INCIDENT_RESPONSE_TARGET = timedelta(minutes=30)


class IncidentSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


OPEN_INCIDENT_STATUSES = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
)


class Incident(TenantOwned):
    """One outage or complaint surge that many tickets hang on. A drill (``is_drill``) runs
    the same way but is never shown to customers and mails nobody."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=IncidentSeverity.choices,
        default=IncidentSeverity.MAJOR,
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=IncidentStatus.choices,
        default=IncidentStatus.INVESTIGATING,
    )
    is_drill = models.BooleanField(_("drill"), default=False)
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_(
            "Separated by commas. A web-form request containing one of them is told about "
            "this incident."
        ),
    )
    category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    expected_recovery_at = models.DateTimeField(_("expected recovery"), null=True, blank=True)
    owner = models.ForeignKey(
        Membership,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    # The 30-minute response target: due, met (first update posted), escalated (swept once).
    first_update_due_at = models.DateTimeField(_("first update due"))
    first_update_at = models.DateTimeField(_("first update at"), null=True, blank=True)
    first_update_escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["tenant", "status"], name="incident_tenant_status"),
            # The sweeper's index: open incidents still waiting for their first update.
            models.Index(
                fields=["first_update_due_at"],
                name="incident_first_update_due",
                condition=models.Q(
                    first_update_at__isnull=True, first_update_escalated_at__isnull=True
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.RESOLVED

    @property
    def keyword_list(self) -> list[str]:
        raw = self.keywords.replace("，", ",").replace("、", ",").replace("\n", ",")
        return [word.strip().lower() for word in raw.split(",") if word.strip()][:20]


class IncidentTicket(TenantOwned):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="incident_links"
    )
    linked_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "ticket"], name="incident_ticket_unique")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} ↔ {self.ticket_id}"


class IncidentUpdate(TenantOwned):
    """A public update, posted once and mailed to every linked customer (one delivery row
    per customer)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("update"))
    status = models.CharField(_("status"), max_length=16, choices=IncidentStatus.choices)
    expected_recovery_at = models.DateTimeField(_("expected recovery"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.body[:60]


class IncidentUpdateDelivery(TenantOwned):
    """The outbox of one update: one row per customer. The sender claims a row with a
    conditional UPDATE on ``sent_at``, so a retried or duplicated task mails nobody twice."""

    update = models.ForeignKey(IncidentUpdate, on_delete=models.CASCADE, related_name="deliveries")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["update", "customer"], name="incident_delivery_once_per_customer"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="incident_delivery_owed",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.update_id} → {self.customer_id}"


class IncidentEvent(AuditEvent):
    """Append-only audit trail of an incident."""

    subject = "incident"
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        pass


# --- playbooks -----------------------------------------------------------------------------------


class Playbook(TenantOwned):
    """A contingency plan: scenario → steps → owner (问题场景-应对步骤-责任人)."""

    name = models.CharField(_("name"), max_length=200)
    scenario = models.TextField(_("scenario"), help_text=_("When this playbook applies."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="playbook_name_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class StepOwnerMixin(models.Model):
    """Who does a step: a named member, or whoever holds a role."""

    position = models.PositiveSmallIntegerField(_("order"), default=1)
    description = models.CharField(_("step"), max_length=500)
    owner_role = models.CharField(_("owner role"), max_length=32, choices=Role.choices, blank=True)
    owner_member = models.ForeignKey(
        Membership,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    @property
    def owner_label(self) -> str:
        if self.owner_member_id:
            return str(self.owner_member.user)
        return str(Role(self.owner_role).label) if self.owner_role else ""


class PlaybookStep(StepOwnerMixin, TenantOwned):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")

    class Meta(StepOwnerMixin.Meta):
        verbose_name = _("playbook step")

    def __str__(self) -> str:
        return self.description[:60]


class IncidentStep(StepOwnerMixin, TenantOwned):
    """A playbook step copied onto an incident (or drill) and checked off there."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    playbook = models.ForeignKey(
        Playbook, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(StepOwnerMixin.Meta):
        verbose_name = _("incident step")

    def __str__(self) -> str:
        return self.description[:60]


# --- complaint surges ----------------------------------------------------------------------------


class SurgeSettings(TenantOwned):
    """When a category counts as surging: more than ``multiplier`` × its trailing hourly
    average over ``trailing_days`` in the last hour, and at least ``minimum_count`` tickets."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+")
    is_enabled = models.BooleanField(_("detect surges"), default=True)
    multiplier = models.DecimalField(
        _("times the usual rate"), max_digits=5, decimal_places=2, default=3
    )
    trailing_days = models.PositiveSmallIntegerField(_("usual rate over (days)"), default=7)
    minimum_count = models.PositiveSmallIntegerField(_("at least (tickets per hour)"), default=5)

    def __str__(self) -> str:
        return f"surge settings of {self.tenant_id}"


class SurgeAlert(TenantOwned):
    """One surge of one category in one clock hour: unique, so managers hear of it once."""

    category = models.ForeignKey("tickets.Category", on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    ticket_count = models.PositiveIntegerField()
    usual_per_hour = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "category", "window_start"], name="surge_alert_once_per_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category_id} @ {self.window_start:%Y-%m-%d %H:00}"
