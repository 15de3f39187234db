"""Reports: per-ticket figures and daily rollups (kept by a Celery task), quality spot checks
(质检), assessment settings and the managers' root-cause notes.

``TicketFigures`` holds what cannot be read off a ticket row cheaply — durations in the SLA
calendar, whether each SLA target was met, first-contact resolution, repeat complaint — one row
per ticket. ``DailyRollup`` sums them per tenant × day × team × agent × category × tier ×
channel, so a KPI over 90 days reads a few thousand rows instead of a hundred thousand tickets.
Both are rebuilt by ``reports.services.rollup_refresh``; nothing else writes them.

Dimension columns are foreign keys without database constraints (``db_constraint=False``,
``DO_NOTHING``): deleting a team must not delete or rewrite its history.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Tier
from helpdesk.models import Membership, Team, Tenant, TenantOwned
from tickets.models import Category, Ticket


def _dimension(model, related_name: str = "+"):
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name=related_name,
    )


class TicketFigures(TenantOwned):
    """One ticket's report figures, recomputed when the ticket (or its SLA record) changes."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="report_figures"
    )
    created_at = models.DateTimeField()
    created_day = models.DateField()  # in the tenant's time zone
    # Resolved or closed (the SLA's "done"), with the latest resolution's time; None while open.
    done_at = models.DateTimeField(null=True, blank=True)
    done_day = models.DateField(null=True, blank=True)
    team = _dimension(Team)
    agent = _dimension(Membership)
    category = _dimension(Category)
    tier = _dimension(Tier)
    channel = models.CharField(max_length=16)
    is_complaint = models.BooleanField(default=False)
    is_repeat_complaint = models.BooleanField(default=False)
    # Seconds in the SLA calendar with pauses cut out (see reports.kpis for the definition).
    first_response_seconds = models.PositiveBigIntegerField(null=True, blank=True)
    resolution_seconds = models.PositiveBigIntegerField(null=True, blank=True)
    # None: no SLA policy applies, or the target is still undecided.
    first_response_met = models.BooleanField(null=True, blank=True)
    resolution_met = models.BooleanField(null=True, blank=True)
    first_contact_resolved = models.BooleanField(default=False)
    was_reopened = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "created_at"], name="figures_created"),
            models.Index(fields=["tenant", "done_at"], name="figures_done"),
            models.Index(fields=["tenant", "created_day"], name="figures_created_day"),
            models.Index(fields=["tenant", "done_day"], name="figures_done_day"),
        ]

    def __str__(self) -> str:
        return f"Figures of ticket {self.ticket_id}"


# The measures a DailyRollup row sums; created-side ones count on the day the ticket was
# created, done-side ones on the day it was (last) resolved.
CREATED_MEASURES = (
    "created",
    "created_done",
    "first_responses",
    "first_response_seconds",
    "first_response_sla_total",
    "first_response_sla_met",
    "complaints",
    "repeat_complaints",
)
DONE_MEASURES = (
    "done",
    "resolution_seconds",
    "resolution_sla_total",
    "resolution_sla_met",
    "first_contact_resolved",
    "reopened",
)
MEASURES = CREATED_MEASURES + DONE_MEASURES
DIMENSIONS = ("team_id", "agent_id", "category_id", "tier_id", "channel")


class DailyRollup(TenantOwned):
    """Sums of ``TicketFigures`` per tenant × day × team × agent × category × tier × channel.

    Rows of a day are replaced as a whole by ``rollup_refresh`` (under the tenant's
    ``RollupState`` row lock), so a day never holds two rows for one combination.
    """

    day = models.DateField()
    team = _dimension(Team)
    agent = _dimension(Membership)
    category = _dimension(Category)
    tier = _dimension(Tier)
    channel = models.CharField(max_length=16)
    created = models.PositiveIntegerField(default=0)
    created_done = models.PositiveIntegerField(default=0)
    first_responses = models.PositiveIntegerField(default=0)
    first_response_seconds = models.PositiveBigIntegerField(default=0)
    first_response_sla_total = models.PositiveIntegerField(default=0)
    first_response_sla_met = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)
    repeat_complaints = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    resolution_seconds = models.PositiveBigIntegerField(default=0)
    resolution_sla_total = models.PositiveIntegerField(default=0)
    resolution_sla_met = models.PositiveIntegerField(default=0)
    first_contact_resolved = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"], name="rollup_tenant_day")]

    def __str__(self) -> str:
        return f"Rollup {self.tenant_id} {self.day}"


class RollupState(TenantOwned):
    """Per tenant: up to when tickets were rolled up. Its row lock serialises refreshes."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+")
    refreshed_until = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Rollup state of {self.tenant_id}"


# --- quality spot checks (质检) -------------------------------------------------------------


class QualityCriterion(TenantOwned):
    """One line of the tenant's quality rubric, e.g. greeting, record accuracy, attitude."""

    name = models.CharField(_("criterion"), max_length=100)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    max_score = models.PositiveSmallIntegerField(
        _("highest score"), default=5, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    is_record_accuracy = models.BooleanField(
        _("measures record accuracy"),
        default=False,
        help_text=_("Its score is the record accuracy of the monthly assessment."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("quality criterion")
        verbose_name_plural = _("quality rubric")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="quality_criterion_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class QualityCheck(TenantOwned):
    """A supervisor's score of one resolved ticket against the rubric.

    ``scores`` maps criterion id → score as given; ``score_percent`` (weighted) and
    ``record_accuracy_percent`` are stored when it is saved so the assessment can average them.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="quality_checks")
    agent = models.ForeignKey(
        Membership,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quality_checks",
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    supervisor = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scores = models.JSONField(_("scores"), default=dict)
    score_percent = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2)
    record_accuracy_percent = models.DecimalField(
        _("record accuracy (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("checked at"), default=timezone.now)

    class Meta:
        verbose_name = _("quality check")
        verbose_name_plural = _("quality checks")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["tenant", "agent", "created_at"], name="quality_check_agent"),
            models.Index(fields=["tenant", "created_at"], name="quality_check_period"),
        ]

    def __str__(self) -> str:
        return f"Quality check of ticket {self.ticket_id}: {self.score_percent} %"


# --- monthly assessment (seed 002) and feedback report ------------------------------------------


class AssessmentSettings(TenantOwned):
    """A tenant's weights of the monthly assessment score; created lazily with these defaults."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+")
    weight_satisfaction = models.DecimalField(
        _("weight: satisfaction"), max_digits=5, decimal_places=2, default=Decimal("3")
    )
    weight_resolution_rate = models.DecimalField(
        _("weight: resolution rate"), max_digits=5, decimal_places=2, default=Decimal("3")
    )
    weight_response_time = models.DecimalField(
        _("weight: response time"), max_digits=5, decimal_places=2, default=Decimal("2")
    )
    weight_record_accuracy = models.DecimalField(
        _("weight: record accuracy"), max_digits=5, decimal_places=2, default=Decimal("2")
    )
    response_target_minutes = models.PositiveIntegerField(
        _("response time that scores full marks (minutes)"), default=60
    )
    star_min_tickets = models.PositiveIntegerField(
        _("resolved tickets needed to be Service Star"), default=10
    )

    class Meta:
        verbose_name = _("assessment settings")
        verbose_name_plural = _("assessment settings")

    def __str__(self) -> str:
        return f"Assessment settings of {self.tenant_id}"

    def weights(self) -> dict[str, Decimal]:
        return {
            "satisfaction": self.weight_satisfaction,
            "resolution_rate": self.weight_resolution_rate,
            "response_time": self.weight_response_time,
            "record_accuracy": self.weight_record_accuracy,
        }


class RootCauseNote(TenantOwned):
    """A manager's note on why requests came in, for one month's feedback report."""

    month = models.DateField(_("month"))  # the first day of the month
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("root cause and action"))
    author = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("root-cause note")
        verbose_name_plural = _("root-cause notes")
        ordering = ["month", "created_at", "pk"]
        indexes = [models.Index(fields=["tenant", "month"], name="root_cause_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.text[:40]}"
