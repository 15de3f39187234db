"""Entitlement: what a unit's warranty and service contracts cover on a given day.

``entitlement_of`` is pure (the unit's warranty end and the contracts are passed in), so the
rules are tested without a database; ``unit_entitlement`` loads what it needs for one unit in
one query. The SLA reads ``first_response_minutes`` / ``resolution_minutes`` (a contract's
targets win over the tier's policy), the costing reads the ``covers_*`` flags, and pages show
``badges``.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from products.models import ServiceContract, Unit
from products.warranty import in_warranty


class Kind:
    """What a policy can match on (``SlaPolicy.entitlements``)."""

    NO_UNIT = "no_unit"
    IN_WARRANTY = "in_warranty"
    OUT_OF_WARRANTY = "out_of_warranty"
    CONTRACT = "contract"

    CHOICES = (NO_UNIT, IN_WARRANTY, OUT_OF_WARRANTY, CONTRACT)


@dataclass(frozen=True)
class Entitlement:
    day: date
    has_unit: bool = False
    warranty_ends_on: date | None = None
    in_warranty: bool = False
    warranty_covers_parts: bool = False
    warranty_covers_labour: bool = False
    warranty_covers_on_site: bool = False
    # Contracts in force on ``day``, best first (shortest first-response target, then name).
    contracts: tuple[ServiceContract, ...] = field(default_factory=tuple)

    @property
    def kinds(self) -> frozenset[str]:
        if not self.has_unit:
            return frozenset({Kind.NO_UNIT})
        kinds = {Kind.IN_WARRANTY if self.in_warranty else Kind.OUT_OF_WARRANTY}
        if self.contracts:
            kinds.add(Kind.CONTRACT)
        return frozenset(kinds)

    def _any(self, flag: str) -> bool:
        warranty = self.in_warranty and getattr(self, f"warranty_{flag}")
        return warranty or any(getattr(c.plan, flag) for c in self.contracts)

    @property
    def covers_parts(self) -> bool:
        return self._any("covers_parts")

    @property
    def covers_labour(self) -> bool:
        return self._any("covers_labour")

    @property
    def covers_on_site(self) -> bool:
        return self._any("covers_on_site")

    def _shortest(self, attribute: str) -> int | None:
        values = [getattr(c.plan, attribute) for c in self.contracts]
        values = [value for value in values if value]
        return min(values) if values else None

    @property
    def first_response_minutes(self) -> int | None:
        """The contracts' first-response target (the strictest), or None: the policy's."""
        return self._shortest("first_response_minutes")

    @property
    def resolution_minutes(self) -> int | None:
        return self._shortest("resolution_minutes")

    @property
    def on_site_within_hours(self) -> int | None:
        return self._shortest("on_site_within_hours")

    @property
    def badges(self) -> list[str]:
        """Short labels for pages, in the active language."""
        if not self.has_unit:
            return []
        labels = []
        if self.in_warranty:
            labels.append(
                _("In warranty until %(date)s") % {"date": self.warranty_ends_on.isoformat()}
            )
        else:
            labels.append(_("Out of warranty"))
        for contract in self.contracts:
            hours = contract.plan.on_site_within_hours
            if hours:
                labels.append(
                    _("%(plan)s contract: on-site %(hours)s h")
                    % {"plan": contract.plan.name, "hours": hours}
                )
            else:
                labels.append(_("%(plan)s contract") % {"plan": contract.plan.name})
        return labels


def entitlement_of(
    *, unit: Unit | None, contracts: list[ServiceContract], day: date
) -> Entitlement:
    """The entitlement of ``unit`` on ``day`` given the contracts that could cover it (those
    of the unit and of its organisation; inactive plans and other days are dropped here)."""
    if unit is None:
        return Entitlement(day=day)
    product = unit.product
    ends_on = unit.warranty_ends_on
    in_force = [
        contract
        for contract in contracts
        if contract.plan.is_active
        and contract.covers_day(day)
        and (contract.unit_id == unit.pk or contract.organization_id == unit.organization_id)
    ]
    in_force.sort(key=lambda c: (c.plan.first_response_minutes or 10**9, c.plan.name, c.pk or 0))
    return Entitlement(
        day=day,
        has_unit=True,
        warranty_ends_on=ends_on,
        in_warranty=in_warranty(ends_on, day),
        warranty_covers_parts=product.covers_parts,
        warranty_covers_labour=product.covers_labour,
        warranty_covers_on_site=product.covers_on_site,
        contracts=tuple(in_force),
    )


def contracts_covering(unit: Unit, day: date) -> list[ServiceContract]:
    """Contracts of the unit or its organisation in force on ``day``, with their plans (one
    query). Precondition: the tenant scope is active."""
    covering = Q(unit=unit)
    if unit.organization_id:
        covering |= Q(organization_id=unit.organization_id)
    found = ServiceContract.objects.filter(covering, starts_on__lte=day, ends_on__gte=day)
    return list(found.select_related("plan"))


def unit_entitlement(unit: Unit | None, day: date | None = None) -> Entitlement:
    """What ``unit`` is entitled to on ``day`` (today in the active time zone by default)."""
    day = day or timezone.localdate()
    if unit is None:
        return Entitlement(day=day)
    return entitlement_of(unit=unit, contracts=contracts_covering(unit, day), day=day)
