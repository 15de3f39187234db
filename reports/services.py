"""Every write of the reports app except the rollups (``reports.rollup``): quality rubric and
spot checks (质检), root-cause notes, assessment settings."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from helpdesk.audit import audit_record
from helpdesk.models import Membership, Tenant
from tickets.models import Status, Ticket

from .models import AssessmentSettings, QualityCheck, QualityCriterion, RootCauseNote

TWO_PLACES = Decimal("0.01")
CHECKABLE_STATUSES = (Status.RESOLVED, Status.CLOSED)


def _default_criteria() -> list[tuple[str, Decimal, bool]]:
    return [
        (_("Greeting and closing"), Decimal("1"), False),
        (_("Record accuracy"), Decimal("2"), True),
        (_("Problem resolved"), Decimal("2"), False),
        (_("Attitude"), Decimal("1"), False),
    ]


def quality_rubric_for(tenant: Tenant) -> list[QualityCriterion]:
    """The tenant's active criteria; a tenant without any gets the four defaults (in its
    language) the first time. Precondition: the tenant scope is active."""
    criteria = list(QualityCriterion.objects.filter(is_active=True))
    if criteria or QualityCriterion.objects.exists():
        return criteria
    with override(tenant.default_language), transaction.atomic():
        for position, (name, weight, accuracy) in enumerate(_default_criteria()):
            QualityCriterion.objects.get_or_create(
                tenant=tenant,
                name=name,
                defaults={"weight": weight, "is_record_accuracy": accuracy, "position": position},
            )
    return list(QualityCriterion.objects.filter(is_active=True))


@transaction.atomic
def quality_criterion_add(
    *, tenant: Tenant, name: str, weight: Decimal, max_score: int, is_record_accuracy: bool
) -> QualityCriterion:
    name = name.strip()
    if QualityCriterion.objects.filter(name=name).exists():
        raise ValidationError({"name": _("The rubric already has this criterion.")})
    return QualityCriterion.objects.create(
        tenant=tenant,
        name=name,
        weight=weight,
        max_score=max_score,
        is_record_accuracy=is_record_accuracy,
        position=QualityCriterion.objects.count(),
    )


def quality_criterion_set_active(*, criterion: QualityCriterion, active: bool) -> None:
    """Retire a criterion (old checks keep their scores) or bring it back."""
    criterion.is_active = active
    criterion.save(update_fields=["is_active"])


def _validated_scores(criteria: list[QualityCriterion], scores: dict[int, int]) -> dict[str, int]:
    clean, errors = {}, {}
    for criterion in criteria:
        score = scores.get(criterion.pk)
        if score is None or not 0 <= score <= criterion.max_score:
            errors[f"criterion_{criterion.pk}"] = _("Give a score from 0 to %(max)s.") % {
                "max": criterion.max_score
            }
        else:
            clean[str(criterion.pk)] = score
    if errors:
        raise ValidationError(errors)
    return clean


def _weighted_percent(criteria: list[QualityCriterion], scores: dict[str, int]):
    """Σ wᵢ·(sᵢ / maxᵢ) / Σ wᵢ × 100 over the criteria; None when no weight is positive."""
    total_weight = sum(c.weight for c in criteria)
    if total_weight <= 0:
        return None
    weighted = sum(c.weight * Decimal(scores[str(c.pk)]) / c.max_score for c in criteria)
    return (Decimal(100) * weighted / total_weight).quantize(TWO_PLACES, ROUND_HALF_UP)


@transaction.atomic
def quality_check_create(
    *, ticket: Ticket, supervisor: Membership, scores: dict[int, int], comment: str = ""
) -> QualityCheck:
    """Score a resolved ticket on the tenant's rubric. The agent and team are the ticket's at
    the time of the check; record accuracy is the mean mark of the criteria that measure it."""
    if ticket.status not in CHECKABLE_STATUSES:
        raise ValidationError(_("Only resolved or closed tickets can be spot-checked."))
    criteria = quality_rubric_for(ticket.tenant)
    clean = _validated_scores(criteria, scores)
    accuracy = [c for c in criteria if c.is_record_accuracy]
    check = QualityCheck.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        agent_id=ticket.assignee_id,
        team_id=ticket.team_id,
        supervisor=supervisor,
        scores=clean,
        score_percent=_weighted_percent(criteria, clean) or Decimal(0),
        record_accuracy_percent=_weighted_percent(accuracy, clean) if accuracy else None,
        comment=comment.strip(),
        created_at=timezone.now(),
    )
    audit_record(
        tenant=ticket.tenant_id,
        actor=supervisor,
        action="quality_check",
        target=ticket,
        data={"check": check.pk, "score_percent": str(check.score_percent)},
    )
    return check


@transaction.atomic
def root_cause_note_create(
    *, tenant: Tenant, author: Membership, month, text: str, category=None
) -> RootCauseNote:
    if not text.strip():
        raise ValidationError({"text": _("Write the root cause first.")})
    return RootCauseNote.objects.create(
        tenant=tenant, author=author, month=month.replace(day=1), category=category, text=text
    )


@transaction.atomic
def assessment_settings_update(*, tenant: Tenant, values: dict) -> AssessmentSettings:
    settings, _created = AssessmentSettings.objects.get_or_create(tenant=tenant)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.full_clean(exclude=["tenant"])
    settings.save(update_fields=list(values))
    return settings
