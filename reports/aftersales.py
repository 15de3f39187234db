"""After-sales KPIs: repairs in and out of warranty, cost per repair, parts usage,
repair success rate (维修成功率), repeat repairs on the same unit, top failing products and
parts. Same conventions as ``reports.kpis``: a ``KpiSource`` (period of whole days in the
tenant's time zone + filters on the ticket), the formula in each docstring, ``None`` when there
is nothing to compute from, and a fixed number of set-based queries whatever the volume.

A **repair** is a ticket that names a unit. Done-side figures count repairs **resolved** in the
period (``resolved_at``, kept when the ticket is closed later); the failing-products table
counts repairs **created** in the period; parts figures count stock movements of the period.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from products.warranty import in_warranty, warranty_end
from repairs.models import MovementKind, Quote, QuoteStatus, StockMovement
from tickets.models import Ticket

from .kpis import TWO_PLACES, KpiSource, percent, ticket_filter_q

# Repeat repairs are counted within 30 and 90 days; the success rate uses the shorter window.
REPEAT_WINDOWS_DAYS = (30, 90)
SUCCESS_REPEAT_DAYS = 30
TOP = 10

LABELS = {
    "repairs_in_warranty": gettext_lazy("Repairs in warranty"),
    "repairs_out_of_warranty": gettext_lazy("Repairs out of warranty"),
    "quote_total_average": gettext_lazy("Approved quote, average"),
    "parts_cost_average": gettext_lazy("Parts cost per repair, average"),
    "repair_success_rate": gettext_lazy("Repair success rate"),
    "repeat_repair_rate_30": gettext_lazy("Repeat repairs within 30 days"),
    "repeat_repair_rate_90": gettext_lazy("Repeat repairs within 90 days"),
}
UNITS = {
    "repairs_in_warranty": "count",
    "repairs_out_of_warranty": "count",
    "quote_total_average": "money",
    "parts_cost_average": "money",
    "repair_success_rate": "percent",
    "repeat_repair_rate_30": "percent",
    "repeat_repair_rate_90": "percent",
}


def repairs_resolved(source: KpiSource) -> QuerySet[Ticket]:
    """Tickets with a unit resolved in the period, under the filters."""
    return Ticket.objects.filter(
        ticket_filter_q(source.filters),
        unit__isnull=False,
        resolved_at__gte=source.period.start_at,
        resolved_at__lt=source.period.end_at,
    )


def _repeat_within(days: int) -> Exists:
    """Another ticket about the same unit created within ``days`` after this one's resolution."""
    until = ExpressionWrapper(
        OuterRef("resolved_at") + timedelta(days=days), output_field=DateTimeField()
    )
    return Exists(
        Ticket.objects.filter(
            unit_id=OuterRef("unit_id"),
            created_at__gt=OuterRef("resolved_at"),
            created_at__lte=until,
        ).exclude(pk=OuterRef("pk"))
    )


@dataclass(frozen=True)
class RepairCounts:
    resolved: int
    in_warranty: int
    successful: int
    repeat: dict[int, int]


def repair_counts(source: KpiSource) -> RepairCounts:
    """One query over the repairs resolved in the period: each with its unit's warranty inputs,
    whether it was reopened and whether a repeat followed (30 and 90 days). Warranty ends are
    computed in Python with ``products.warranty`` (month arithmetic the databases disagree on)."""
    rows = (
        repairs_resolved(source)
        .annotate(**{f"repeat_{days}": _repeat_within(days) for days in REPEAT_WINDOWS_DAYS})
        .values_list(
            "created_at",
            "reopened_count",
            "unit__purchased_on",
            "unit__warranty_override_until",
            "unit__product__warranty_months",
            *(f"repeat_{days}" for days in REPEAT_WINDOWS_DAYS),
        )
    )
    zone = source.period.zone
    resolved = in_warranty_count = successful = 0
    repeat = dict.fromkeys(REPEAT_WINDOWS_DAYS, 0)
    for created_at, reopened, purchased, override, months, *repeats in rows:
        resolved += 1
        ends = override or warranty_end(purchased, months)
        in_warranty_count += in_warranty(ends, created_at.astimezone(zone).date())
        by_window = dict(zip(REPEAT_WINDOWS_DAYS, repeats, strict=True))
        for days, repeated in by_window.items():
            repeat[days] += bool(repeated)
        successful += not reopened and not by_window[SUCCESS_REPEAT_DAYS]
    return RepairCounts(resolved, in_warranty_count, successful, repeat)


def quote_total_average(source: KpiSource) -> Decimal | None:
    """Mean total of the quotes customers approved in the period (``decided_at``)."""
    approved = _quotes(source).filter(status=QuoteStatus.APPROVED)
    value = approved.aggregate(mean=Avg("total"))["mean"]
    return None if value is None else Decimal(str(value)).quantize(TWO_PLACES)


def _quotes(source: KpiSource) -> QuerySet[Quote]:
    return Quote.objects.filter(
        ticket_filter_q(source.filters, "ticket__"),
        decided_at__gte=source.period.start_at,
        decided_at__lt=source.period.end_at,
    )


NET_QUANTITY = Case(
    When(kind=MovementKind.CONSUMED, then=F("quantity")),
    When(kind=MovementKind.RETURNED, then=-F("quantity")),
    default=0,
)
MONEY = DecimalField(max_digits=14, decimal_places=2)


def parts_cost_average(source: KpiSource, resolved: int) -> Decimal | None:
    """Σ net parts cost (consumed - returned, × the unit cost recorded on the movement) of the
    repairs resolved in the period / the number of those repairs."""
    if not resolved:
        return None
    movements = StockMovement.objects.filter(ticket__in=repairs_resolved(source).values("pk"))
    cost = ExpressionWrapper(NET_QUANTITY * F("unit_cost"), output_field=MONEY)
    total = movements.aggregate(total=Sum(cost))["total"] or Decimal(0)
    return (Decimal(str(total)) / resolved).quantize(TWO_PLACES)


def _movements(source: KpiSource) -> QuerySet[StockMovement]:
    """Consumption and returns recorded in the period; under filters, only those of tickets."""
    movements = StockMovement.objects.filter(
        kind__in=(MovementKind.CONSUMED, MovementKind.RETURNED),
        created_at__gte=source.period.start_at,
        created_at__lt=source.period.end_at,
    )
    if not source.filters.is_empty:
        movements = movements.filter(
            ticket_filter_q(source.filters, "ticket__"), ticket__isnull=False
        )
    return movements


def parts_usage(source: KpiSource) -> list[dict]:
    """Net quantity used per part in the period (consumed - returned), most used first; the
    number of repairs (distinct tickets) that consumed it beside it."""
    rows = (
        _movements(source)
        .values("part_id", "part__part_number", "part__name", "part__name_zh")
        .annotate(
            quantity=Sum(NET_QUANTITY),
            repairs=Count("ticket", distinct=True, filter=Q(kind=MovementKind.CONSUMED)),
        )
        .filter(quantity__gt=0)
        .order_by("-quantity", "part__part_number")
    )
    return [
        {
            "part_number": row["part__part_number"],
            "name": row["part__name"],
            "name_zh": row["part__name_zh"],
            "quantity": row["quantity"],
            "repairs": row["repairs"],
        }
        for row in rows
    ]


def top_failing_parts(usage: list[dict]) -> list[dict]:
    """The parts replaced in the most repairs (then the most used), top ten."""
    return sorted(usage, key=lambda row: (-row["repairs"], -row["quantity"]))[:TOP]


def top_failing_products(source: KpiSource) -> list[dict]:
    """Repairs created in the period per product, most first, top ten."""
    rows = (
        Ticket.objects.filter(
            ticket_filter_q(source.filters),
            unit__isnull=False,
            created_at__gte=source.period.start_at,
            created_at__lt=source.period.end_at,
        )
        .values("unit__product__model_code", "unit__product__name", "unit__product__name_zh")
        .annotate(repairs=Count("pk"))
        .order_by("-repairs", "unit__product__model_code")[:TOP]
    )
    return [
        {
            "model_code": row["unit__product__model_code"],
            "name": row["unit__product__name"],
            "name_zh": row["unit__product__name_zh"],
            "repairs": row["repairs"],
        }
        for row in rows
    ]


@dataclass(frozen=True)
class AfterSales:
    figures: dict[str, object]
    parts_usage: list[dict]
    top_parts: list[dict]
    top_products: list[dict]

    def tiles(self) -> list[dict]:
        return [
            {"name": name, "label": str(LABELS[name]), "unit": UNITS[name], "value": value}
            for name, value in self.figures.items()
        ]


def aftersales(source: KpiSource) -> AfterSales:
    """Every after-sales figure of the period: five queries."""
    counts = repair_counts(source)
    usage = parts_usage(source)
    figures = {
        "repairs_in_warranty": counts.in_warranty,
        "repairs_out_of_warranty": counts.resolved - counts.in_warranty,
        "quote_total_average": quote_total_average(source),
        "parts_cost_average": parts_cost_average(source, counts.resolved),
        "repair_success_rate": percent(counts.successful, counts.resolved),
        **{
            f"repeat_repair_rate_{days}": percent(counts.repeat[days], counts.resolved)
            for days in REPEAT_WINDOWS_DAYS
        },
    }
    return AfterSales(figures, usage, top_failing_parts(usage), top_failing_products(source))


def aftersales_rows(source: KpiSource) -> Iterator[list]:
    """The CSV export: the figures, then the parts usage and the failing products."""
    report = aftersales(source)
    yield [_("KPI"), _("value"), _("unit")]
    for tile in report.tiles():
        yield [tile["label"], "" if tile["value"] is None else str(tile["value"]), tile["unit"]]
    yield []
    yield [_("part number"), _("part"), _("quantity used"), _("repairs")]
    for row in report.parts_usage:
        yield [row["part_number"], row["name"], row["quantity"], row["repairs"]]
    yield []
    yield [_("model code"), _("product"), _("repairs")]
    for row in report.top_products:
        yield [row["model_code"], row["name"], row["repairs"]]
