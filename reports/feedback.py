"""The monthly feedback report: request types, top complaint categories, handling time,
satisfaction, a six-month trend, and the managers' root-cause notes."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from surveys.metrics import SurveyMetrics
from tickets.models import Category

from .kpis import KpiSource, Period, mean, percent
from .models import RootCauseNote
from .selectors import _satisfaction_by_day

TREND_MONTHS = 6
TOP_COMPLAINTS = 5


@dataclass(frozen=True)
class CategoryRow:
    category: str
    created: int
    share: Decimal | None
    complaints: int
    resolved: int
    resolution_average: float | None


@dataclass(frozen=True)
class FeedbackReport:
    period: Period
    categories: list[CategoryRow]
    top_complaints: list[CategoryRow]
    trend: list[dict]
    satisfaction: SurveyMetrics
    notes: list[RootCauseNote]


def feedback_report(source: KpiSource) -> FeedbackReport:
    categories = category_rows(source)
    complaints = [row for row in categories if row.complaints]
    return FeedbackReport(
        period=source.period,
        categories=categories,
        top_complaints=sorted(complaints, key=lambda r: -r.complaints)[:TOP_COMPLAINTS],
        trend=monthly_trend(source),
        satisfaction=source.survey,
        notes=list(
            RootCauseNote.objects.filter(month=source.period.start.replace(day=1))
            .select_related("category", "author__user")
            .order_by("created_at", "pk")
        ),
    )


def category_rows(source: KpiSource) -> list[CategoryRow]:
    """Type distribution (性质和类别) of the tickets created in the period, with handling time
    of the tickets resolved in it."""
    grouped = (
        source.rollups()
        .values("category_id")
        .annotate(
            s_created=Sum("created"),
            s_complaints=Sum("complaints"),
            s_done=Sum("done"),
            s_resolution=Sum("resolution_seconds"),
        )
        .order_by()
    )
    names = dict(Category.objects.values_list("pk", "name"))
    total = sum(row["s_created"] or 0 for row in grouped)
    rows = [
        CategoryRow(
            category=names.get(row["category_id"], _("No category")),
            created=row["s_created"] or 0,
            share=percent(row["s_created"], total),
            complaints=row["s_complaints"] or 0,
            resolved=row["s_done"] or 0,
            resolution_average=mean(row["s_resolution"] or 0, row["s_done"] or 0),
        )
        for row in grouped
    ]
    return sorted(rows, key=lambda r: (-r.created, r.category))


def _month_start(day: date, back: int) -> date:
    for _i in range(back):
        day = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    return day.replace(day=1)


def monthly_trend(source: KpiSource, months: int = TREND_MONTHS) -> list[dict]:
    """Created, complaints, resolution rate and satisfaction of the last ``months`` months up
    to the report's month."""
    first = _month_start(source.period.start, months - 1)
    wide = replace(source, period=Period(first, source.period.end, source.period.zone))
    buckets: dict[date, dict] = defaultdict(lambda: defaultdict(int))
    names = ("created", "complaints", "created_done")
    rows = wide.rollups().values("day").annotate(**{f"s_{n}": Sum(n) for n in names}).order_by()
    for row in rows:
        for name in names:
            buckets[row["day"].replace(day=1)][name] += row[f"s_{name}"] or 0
    for row in _satisfaction_by_day(wide):
        buckets[row["day"].replace(day=1)]["answers"] += row["answers"]
        buckets[row["day"].replace(day=1)]["satisfied"] += row["satisfied"]
    return [
        {
            "month": month,
            "created": buckets[month]["created"],
            "complaints": buckets[month]["complaints"],
            "resolution_rate": percent(buckets[month]["created_done"], buckets[month]["created"]),
            "satisfaction_rate": percent(buckets[month]["satisfied"], buckets[month]["answers"]),
        }
        for month in (_month_start(source.period.start, back) for back in range(months - 1, -1, -1))
    ]
