"""The complaint surge detector: a category whose tickets of the last hour exceed the tenant's
multiple of its usual hourly rate alerts the managers, once per category and clock hour.

Precondition for every function: the tenant scope is active.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from helpdesk.audit import audit_changes, audit_snapshot
from helpdesk.models import Membership, Tenant
from helpdesk.notifications import notify
from helpdesk.selectors import tenant_managers
from tickets.incidents.models import SurgeAlert, SurgeSettings
from tickets.models import Category, Ticket

WINDOW = timedelta(hours=1)


def surge_settings_for(tenant: Tenant) -> SurgeSettings:
    return SurgeSettings.objects.get_or_create(tenant=tenant)[0]


@transaction.atomic
def surge_settings_save(
    *, tenant: Tenant, actor: Membership | None = None, **fields
) -> SurgeSettings:
    settings = surge_settings_for(tenant)
    before = audit_snapshot(settings, fields)
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save(update_fields=list(fields))
    after = audit_snapshot(settings, fields)
    audit_changes(tenant=tenant, actor=actor, target=settings, before=before, after=after)
    return settings


@dataclass(frozen=True)
class CategoryRate:
    category_id: int
    last_hour: int
    usual_per_hour: float


def category_rates(*, now: datetime, trailing_days: int) -> list[CategoryRate]:
    """Tickets per category in the last hour, against the average hour of the
    ``trailing_days`` before it. Two grouped queries, whatever the number of categories."""
    recent_start = now - WINDOW
    baseline_start = recent_start - timedelta(days=trailing_days)
    with_category = Ticket.objects.filter(category__isnull=False)
    recent = _counts(with_category.filter(created_at__gt=recent_start, created_at__lte=now))
    baseline = _counts(
        with_category.filter(created_at__gt=baseline_start, created_at__lte=recent_start)
    )
    hours = max(trailing_days * 24, 1)
    return [
        CategoryRate(category_id, count, baseline.get(category_id, 0) / hours)
        for category_id, count in recent.items()
    ]


def _counts(tickets) -> dict[int, int]:
    rows = tickets.values("category_id").annotate(n=Count("pk")).values_list("category_id", "n")
    return dict(rows)


def is_surge(rate: CategoryRate, settings: SurgeSettings) -> bool:
    if rate.last_hour < settings.minimum_count:
        return False
    return rate.last_hour > float(settings.multiplier) * rate.usual_per_hour


def surges_detect(*, tenant: Tenant, now: datetime | None = None) -> list[SurgeAlert]:
    """Record and announce each surging category; returns the alerts recorded by this run."""
    settings = surge_settings_for(tenant)
    if not settings.is_enabled:
        return []
    now = now or timezone.now()
    rates = category_rates(now=now, trailing_days=settings.trailing_days)
    window_start = now.replace(minute=0, second=0, microsecond=0)
    alerts = [_record(tenant, rate, window_start) for rate in rates if is_surge(rate, settings)]
    return [alert for alert in alerts if alert is not None]


def _record(tenant: Tenant, rate: CategoryRate, window_start: datetime) -> SurgeAlert | None:
    """The alert row and its notifications in one savepoint: a second run in the same hour
    hits the unique constraint and tells nobody again."""
    try:
        with transaction.atomic():
            alert = SurgeAlert.objects.create(
                tenant=tenant,
                category_id=rate.category_id,
                window_start=window_start,
                ticket_count=rate.last_hour,
                usual_per_hour=rate.usual_per_hour,
            )
            _tell_managers(tenant, alert)
    except IntegrityError:
        return None
    return alert


def _tell_managers(tenant: Tenant, alert: SurgeAlert) -> None:
    category = Category.objects.get(pk=alert.category_id)
    url = f"{reverse('incident_create')}?surge={alert.pk}"
    with override(tenant.default_language):
        text = _(
            "Complaint surge: %(count)s tickets in “%(category)s” in the last hour "
            "(usually %(usual).1f). Open an incident?"
        ) % {"count": alert.ticket_count, "category": category.name, "usual": alert.usual_per_hour}
    for member in tenant_managers(tenant=tenant):
        notify(recipient=member, text=text, url=url)


def surge_alert_get(*, pk: int) -> SurgeAlert | None:
    return SurgeAlert.objects.select_related("category").filter(pk=pk).first()


def surge_alerts_recent(limit: int = 100) -> list[SurgeAlert]:
    alerts = SurgeAlert.objects.select_related("category", "incident")
    return list(alerts.order_by("-created_at", "-pk")[:limit])
