"""Satisfaction surveys (满意度调查) and follow-up calls (回访).

An invitation is created when a ticket is resolved (one per resolution cycle); the customer
answers it once through a link with an unguessable token, and may edit the answer within the
tenant's window. Follow-ups are rows with a due time, swept like SLA targets: an overdue one is
escalated to the team lead exactly once (``escalated_at`` claimed by a conditional UPDATE).

Writes go through ``surveys.services``; nothing else calls ``save()`` on these models.
"""

from datetime import timedelta
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, Tier
from helpdesk.models import Membership, Team, Tenant, TenantOwned
from tickets.models import Ticket

# The rated dimensions, in the order the survey asks them.
DIMENSIONS = ("response_speed", "resolution", "professionalism", "product")
DIMENSION_LABELS = {
    "response_speed": _("Response speed"),
    "resolution": _("Resolution of the problem"),
    "professionalism": _("Professionalism and attitude"),
    "product": _("The product"),
}
# Every question whose label a tenant may override, with the built-in label.
QUESTION_LABELS = {
    "overall": _("Overall, how satisfied are you with how we handled your request?"),
    **DIMENSION_LABELS,
    "nps": _("How likely are you to recommend us to a friend or colleague?"),
    "comment": _("Anything you would like to tell us?"),
    "not_solved": _("My problem is not solved"),
}
LABEL_LANGUAGES = ("en", "zh-hans")

# Thresholds of the closed loop (REQUIREMENTS §5).
SATISFIED_FROM = 4  # overall ≥ 4 counts as satisfied
BAD_OVERALL_UP_TO = 2  # overall ≤ 2 is a bad survey
NPS_DETRACTOR_UP_TO = 6  # NPS 0–6 detractor, 7–8 passive, 9–10 promoter
NPS_PROMOTER_FROM = 9


def default_call_tier_codes() -> list[str]:
    return ["vip", "important"]


class SurveySettings(TenantOwned):
    """A tenant's survey settings; created lazily with these defaults (``survey_settings_for``)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+")
    # {"overall": {"en": "…", "zh-hans": "…"}, …}; a missing or empty label uses the built-in one.
    question_labels = models.JSONField(_("question labels"), default=dict, blank=True)
    weight_response_speed = models.DecimalField(
        _("weight: response speed"), max_digits=5, decimal_places=2, default=Decimal("1")
    )
    weight_resolution = models.DecimalField(
        _("weight: resolution"), max_digits=5, decimal_places=2, default=Decimal("1")
    )
    weight_professionalism = models.DecimalField(
        _("weight: professionalism and attitude"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
    )
    weight_product = models.DecimalField(
        _("weight: product"), max_digits=5, decimal_places=2, default=Decimal("1")
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        _("remind non-responders after (days)"), default=3
    )
    edit_window_hours = models.PositiveSmallIntegerField(
        _("customers may edit their answer for (hours)"), default=24
    )
    invitation_expiry_days = models.PositiveSmallIntegerField(
        _("survey links expire after (days)"), default=14
    )
    call_tier_codes = models.JSONField(
        _("tiers that get a follow-up call after resolution"),
        default=default_call_tier_codes,
        blank=True,
    )
    follow_up_hours = models.PositiveSmallIntegerField(
        _("follow-up calls are due within (hours)"), default=24
    )

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return f"Survey settings of {self.tenant_id}"

    def weights(self) -> dict[str, Decimal]:
        return {name: getattr(self, f"weight_{name}") for name in DIMENSIONS}

    def label(self, question: str, language: str) -> str:
        """The tenant's label for the question in ``language``, else the built-in one."""
        custom = (self.question_labels or {}).get(question, {})
        text = custom.get(language, "") if isinstance(custom, dict) else ""
        return text.strip() or str(QUESTION_LABELS[question])


class SurveyInvitation(TenantOwned):
    """One per resolution of a ticket. Only the SHA-256 of the link's token is stored."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="survey_invitations")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    # ticket.reopened_count when it was resolved: a reopened and resolved again ticket is
    # surveyed again, but a resolution is never surveyed twice.
    cycle = models.PositiveIntegerField(default=0)
    # The token is an HMAC of this nonce (see surveys.tokens); the nonce alone is useless.
    token_nonce = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    remind_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    reminder_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "cycle"], name="survey_invitation_per_cycle")
        ]
        indexes = [
            # The reminder sweep's index: only invitations still waiting for their reminder.
            models.Index(
                fields=["remind_at"],
                name="survey_reminder_due",
                condition=models.Q(reminder_sent_at__isnull=True, remind_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Survey of ticket {self.ticket_id} (cycle {self.cycle})"

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class SurveyResponse(TenantOwned):
    """The customer's answer; one per invitation. Agent, team and tier are recorded as they
    were when the customer answered, so reports do not move when a ticket is reassigned."""

    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.CASCADE, related_name="response"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="survey_responses")
    agent = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tier = models.ForeignKey(
        Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overall = models.PositiveSmallIntegerField(
        _("overall satisfaction"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    response_speed = models.PositiveSmallIntegerField(
        _("response speed"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    resolution = models.PositiveSmallIntegerField(
        _("resolution"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    professionalism = models.PositiveSmallIntegerField(
        _("professionalism and attitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    product = models.PositiveSmallIntegerField(
        _("product"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    nps = models.PositiveSmallIntegerField(
        _("likelihood to recommend (0–10)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
    )
    comment = models.TextField(_("comment"), blank=True)
    not_solved = models.BooleanField(_("problem not solved"), default=False)
    created_at = models.DateTimeField(_("answered at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overall__gte=1, overall__lte=5), name="survey_overall_1_to_5"
            ),
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__lte=10),
                name="survey_nps_0_to_10",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "created_at"], name="survey_response_period"),
            models.Index(fields=["tenant", "agent", "created_at"], name="survey_response_agent"),
            models.Index(fields=["tenant", "team", "created_at"], name="survey_response_team"),
        ]

    def __str__(self) -> str:
        return f"Survey response {self.pk}: {self.overall}/5"

    @property
    def is_satisfied(self) -> bool:
        return self.overall >= SATISFIED_FROM and not self.not_solved

    @property
    def is_bad(self) -> bool:
        """A bad survey opens a follow-up call, and the default trigger "negative survey →
        improvement task" the 72 h improvement deadline."""
        low_nps = self.nps is not None and self.nps <= NPS_DETRACTOR_UP_TO
        return self.overall <= BAD_OVERALL_UP_TO or low_nps or self.not_solved

    def editable_until(self, window_hours: int):
        return self.created_at + timedelta(hours=window_hours)

    def dimension_ratings(self) -> list[tuple[str, int | None]]:
        return [(str(DIMENSION_LABELS[name]), getattr(self, name)) for name in DIMENSIONS]

    def answers(self) -> dict:
        """What the customer answered, by field name: for the webhook and the privacy export."""
        return {
            "overall": self.overall,
            **{name: getattr(self, name) for name in DIMENSIONS},
            "nps": self.nps,
            "comment": self.comment,
            "not_solved": self.not_solved,
        }


class FollowUpChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("E-mail")
    ON_SITE = "on_site", _("On-site visit")


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed (customer not reached)")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpKind(models.TextChoices):
    TIER_CALL = "tier_call", _("Call after resolution (by tier)")
    BAD_SURVEY = "bad_survey", _("Call after a bad survey")
    IMPROVEMENT = "improvement", _("Tell the customer the improvement")
    MANUAL = "manual", _("Scheduled by hand")
    TASK = "task", _("Task from a rule")


class FollowUpOutcome(models.TextChoices):
    SATISFIED = "satisfied", _("Customer satisfied")
    UNSATISFIED = "unsatisfied", _("Customer still dissatisfied")
    NEW_ISSUE = "new_issue", _("Customer raised a new issue")
    IMPROVEMENT_SENT = "improvement_sent", _("Improvement sent to the customer")
    OTHER = "other", _("Other (see notes)")


class FollowUp(TenantOwned):
    """A follow-up call / return visit (回访), or the improvement message after a bad survey
    (kind ``improvement``, opened by a trigger: done = the agent recorded that the message was
    sent)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="follow_ups")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="follow_ups")
    response = models.ForeignKey(
        SurveyResponse,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FollowUpKind.choices)
    # ticket.reopened_count when created: one tier call per resolution.
    cycle = models.PositiveIntegerField(default=0)
    assignee = models.ForeignKey(
        Membership,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=FollowUpChannel.choices, default=FollowUpChannel.PHONE
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING
    )
    due_at = models.DateTimeField(_("due at"))
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=FollowUpOutcome.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "cycle"],
                condition=models.Q(kind="tier_call"),
                name="follow_up_one_tier_call_per_resolution",
            ),
            models.UniqueConstraint(
                fields=["response", "kind"],
                condition=models.Q(response__isnull=False),
                name="follow_up_once_per_survey",
            ),
        ]
        indexes = [
            # The overdue sweep's index: pending rows not yet escalated.
            models.Index(
                fields=["due_at"],
                name="follow_up_overdue",
                condition=models.Q(status="pending", escalated_at__isnull=True),
            ),
            models.Index(fields=["tenant", "assignee", "status", "due_at"], name="follow_up_mine"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for ticket {self.ticket_id}"

    @property
    def is_pending(self) -> bool:
        return self.status == FollowUpStatus.PENDING

    def colour(self, now=None) -> str:
        """Green, amber (three quarters of the time used) or red (overdue), like SLA targets;
        ``met`` once done, ``none`` when missed or cancelled."""
        if self.status == FollowUpStatus.DONE:
            return "met"
        if self.status != FollowUpStatus.PENDING:
            return "none"
        now = now or timezone.now()
        if now >= self.due_at:
            return "red"
        amber_from = self.created_at + (self.due_at - self.created_at) * 3 / 4
        return "amber" if now >= amber_from else "green"
