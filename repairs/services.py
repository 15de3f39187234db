"""Writes of spare parts, stock locations and stock. Each public function is one transaction,
writes its ``StockMovement`` row(s) and the ``StockLevel`` change together, and records its
events through ``helpdesk.audit.audit_record`` (a movement for a ticket on the ticket, others
on the part as configuration events).

Stock never goes negative. A decrease is one conditional UPDATE (``on_hand >= reserved + n``)
whose row count says whether it happened; the check constraints on ``StockLevel`` are the
backstop, their ``IntegrityError`` becomes the same ``ValidationError``. Moves of a ticket's
own reservation or consumption lock the ticket row, so two of them cannot both take the last
reserved (or consumed) part of that ticket.

Preconditions for all of them: the tenant scope is active and the caller has checked that
``actor`` may make the change.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django_scopes import scope

from helpdesk.audit import audit_record, audit_save
from helpdesk.models import Membership, Team, Tenant
from helpdesk.notifications import notify_many
from products.models import Product
from repairs.models import (
    MovementKind,
    Part,
    StockLevel,
    StockLocation,
    StockMovement,
)
from tickets.models import Ticket

PART_FIELDS = (
    "part_number",
    "name",
    "name_zh",
    "unit_cost",
    "unit_price",
    "low_stock_threshold",
    "responsible_team",
    "is_active",
)
LOCATION_FIELDS = ("name", "kind", "holder", "is_active")


# --- parts ----------------------------------------------------------------------------------------


def part_create(
    *,
    tenant: Tenant,
    actor: Membership | None,
    part_number: str,
    name: str,
    compatible_products: Iterable[Product] = (),
    **values,
) -> Part:
    """A new part; ``ValidationError`` on ``part_number`` if the tenant has it (also when a
    concurrent create wins the race), on ``compatible_products`` / ``responsible_team`` for
    another tenant's rows. ``values``: the other ``PART_FIELDS``."""
    return _part_save(
        tenant=tenant,
        actor=actor,
        part=Part(tenant=tenant),
        values={"part_number": part_number, "name": name, **values},
        products=list(compatible_products),
    )


def part_update(
    *,
    tenant: Tenant,
    actor: Membership | None,
    part: Part,
    compatible_products: Iterable[Product] | None = None,
    **values,
) -> Part:
    """Change the given ``PART_FIELDS`` (and the compatible products when given); one
    ``changed`` audit row per field that changed. Errors as ``part_create``."""
    products = None if compatible_products is None else list(compatible_products)
    return _part_save(tenant=tenant, actor=actor, part=part, values=values, products=products)


def _part_save(*, tenant, actor, part: Part, values: dict, products) -> Part:
    values = _clean_part_values(tenant, part, values)
    if products is not None:
        _check_own(tenant, products, "compatible_products", _("Choose products of this desk."))
        values["compatible_products"] = products
    try:
        with transaction.atomic():
            return audit_save(tenant=tenant, actor=actor, instance=part, values=values)
    except IntegrityError:
        raise _part_number_taken() from None


def _clean_part_values(tenant: Tenant, part: Part, values: dict) -> dict:
    unknown = set(values) - set(PART_FIELDS)
    if unknown:
        raise TypeError(f"Not a part field: {sorted(unknown)}")
    if "part_number" in values:
        number = values["part_number"].strip().upper()
        if not number:
            raise ValidationError({"part_number": _("Give the part number.")})
        if Part.objects.filter(part_number=number).exclude(pk=part.pk).exists():
            raise _part_number_taken()
        values["part_number"] = number
    if "name" in values:
        values["name"] = values["name"].strip()
        if not values["name"]:
            raise ValidationError({"name": _("Give the part's name.")})
    team = values.get("responsible_team")
    if team is not None:
        _check_own(tenant, [team], "responsible_team", _("Choose a team of this desk."))
    return values


def _part_number_taken() -> ValidationError:
    return ValidationError({"part_number": _("A part with this part number exists already.")})


def _check_own(tenant: Tenant, rows: Iterable, field: str, message: str) -> None:
    if any(row.tenant_id != tenant.pk for row in rows):
        raise ValidationError({field: message})


# --- locations ------------------------------------------------------------------------------------


def stock_location_create(
    *, tenant: Tenant, actor: Membership | None, name: str, **values
) -> StockLocation:
    """A warehouse or a technician's van; ``ValidationError`` on ``name`` if it is taken."""
    location = StockLocation(tenant=tenant)
    return _location_save(tenant, actor, location, {"name": name, **values})


def stock_location_update(
    *, tenant: Tenant, actor: Membership | None, location: StockLocation, **values
) -> StockLocation:
    return _location_save(tenant, actor, location, values)


def _location_save(tenant, actor, location: StockLocation, values: dict) -> StockLocation:
    unknown = set(values) - set(LOCATION_FIELDS)
    if unknown:
        raise TypeError(f"Not a location field: {sorted(unknown)}")
    if "name" in values:
        values["name"] = values["name"].strip()
        if not values["name"]:
            raise ValidationError({"name": _("Give the location's name.")})
        taken = StockLocation.objects.filter(name__iexact=values["name"]).exclude(pk=location.pk)
        if taken.exists():
            raise _location_name_taken()
    if values.get("holder") is not None:
        _check_own(tenant, [values["holder"]], "holder", _("Choose a member of this desk."))
    try:
        with transaction.atomic():
            return audit_save(tenant=tenant, actor=actor, instance=location, values=values)
    except IntegrityError:
        raise _location_name_taken() from None


def _location_name_taken() -> ValidationError:
    return ValidationError({"name": _("A stock location with this name exists already.")})


# --- stock: checks shared by the movements --------------------------------------------------------


def _check_quantity(quantity: int, field: str = "quantity") -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValidationError({field: _("Give a whole number of at least 1.")})


def _check_stock_args(tenant: Tenant, part: Part, location: StockLocation, quantity: int):
    _check_quantity(quantity)
    _check_own(tenant, [part], "part", _("Choose a part of this desk."))
    _check_own(tenant, [location], "location", _("Choose a stock location of this desk."))
    if not location.is_active:
        raise ValidationError({"location": _("This stock location is no longer in use.")})


def _level(tenant: Tenant, part: Part, location: StockLocation) -> StockLevel:
    level, _created = StockLevel.objects.get_or_create(tenant=tenant, part=part, location=location)
    return level


def _not_available(part: Part, location: StockLocation, level_pk: int) -> ValidationError:
    level = StockLevel.objects.filter(pk=level_pk).values("on_hand", "reserved").first()
    available = 0 if level is None else level["on_hand"] - level["reserved"]
    return ValidationError(
        {
            "quantity": _("Only %(n)s of part %(part)s are available at %(location)s.")
            % {"n": max(available, 0), "part": part.part_number, "location": location.name}
        }
    )


def _decrease(level: StockLevel, condition: Q, **changes) -> bool:
    """One conditional UPDATE; False when the condition no longer holds (or a check
    constraint refuses the result), and then nothing changed."""
    try:
        with transaction.atomic():
            return bool(StockLevel.objects.filter(condition, pk=level.pk).update(**changes))
    except IntegrityError:
        return False


def _move(
    tenant: Tenant,
    actor: Membership | None,
    part: Part,
    location: StockLocation,
    kind: str,
    quantity: int,
    ticket: Ticket | None = None,
    note: str = "",
) -> StockMovement:
    """The movement row, priced at the part's cost and price of now."""
    return StockMovement.objects.create(
        tenant=tenant,
        part=part,
        location=location,
        kind=kind,
        quantity=quantity,
        ticket=ticket,
        unit_id=None if ticket is None else ticket.unit_id,
        unit_cost=part.unit_cost,
        unit_price=part.unit_price,
        actor=actor,
        note=note.strip()[:300],
    )


def _audit_move(tenant, actor, movement: StockMovement, ticket: Ticket | None = None) -> None:
    data = {
        "part": movement.part.part_number,
        "location": movement.location.name,
        "quantity": movement.quantity,
        "movement": movement.pk,
    }
    target = ticket if ticket is not None else movement.part
    audit_record(
        tenant=tenant, actor=actor, action=f"stock_{movement.kind}", target=target, data=data
    )


def _own_ticket(tenant: Tenant, ticket: Ticket) -> Ticket:
    _check_own(tenant, [ticket], "ticket", _("Choose a ticket of this desk."))
    return ticket


def _locked_ticket(tenant: Tenant, ticket: Ticket) -> Ticket:
    _own_ticket(tenant, ticket)
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


# --- stock: the movements -------------------------------------------------------------------------


@transaction.atomic
def stock_receive(
    *,
    tenant: Tenant,
    actor: Membership | None,
    part: Part,
    location: StockLocation,
    quantity: int,
    note: str = "",
) -> StockMovement:
    """Parts arrive at ``location`` (a delivery, a purchase)."""
    _check_stock_args(tenant, part, location, quantity)
    level = _level(tenant, part, location)
    StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
    movement = _move(tenant, actor, part, location, MovementKind.RECEIVED, quantity, note=note)
    _audit_move(tenant, actor, movement)
    return movement


@transaction.atomic
def stock_reserve(
    *,
    tenant: Tenant,
    actor: Membership | None,
    part: Part,
    location: StockLocation,
    quantity: int,
    ticket: Ticket,
) -> StockMovement:
    """Set ``quantity`` of the free stock at ``location`` aside for ``ticket``;
    ``ValidationError`` on ``quantity`` when fewer are available."""
    _check_stock_args(tenant, part, location, quantity)
    ticket = _own_ticket(tenant, ticket)
    level = _level(tenant, part, location)
    enough = Q(on_hand__gte=F("reserved") + quantity)
    if not _decrease(level, enough, reserved=F("reserved") + quantity):
        raise _not_available(part, location, level.pk)
    movement = _move(tenant, actor, part, location, MovementKind.RESERVED, quantity, ticket)
    _audit_move(tenant, actor, movement, ticket)
    return movement


@transaction.atomic
def stock_release(
    *,
    tenant: Tenant,
    actor: Membership | None,
    part: Part,
    location: StockLocation,
    quantity: int,
    ticket: Ticket,
) -> StockMovement:
    """Give back to the free stock what was reserved for ``ticket`` and is not needed."""
    _check_stock_args(tenant, part, location, quantity)
    ticket = _locked_ticket(tenant, ticket)
    _check_reserved_for(ticket, part, location, quantity)
    level = _level(tenant, part, location)
    if not _decrease(level, Q(reserved__gte=quantity), reserved=F("reserved") - quantity):
        raise _not_reserved(part, location, 0)
    movement = _move(tenant, actor, part, location, MovementKind.RELEASED, quantity, ticket)
    _audit_move(tenant, actor, movement, ticket)
    return movement


@transaction.atomic
def stock_consume(
    *,
    tenant: Tenant,
    actor: Membership | None,
    part: Part,
    location: StockLocation,
    quantity: int,
    ticket: Ticket,
    from_reservation: bool = False,
    note: str = "",
) -> StockMovement:
    """``quantity`` of ``part`` was fitted for ``ticket``: taken from the ticket's reservation
    at ``location`` (written as a release and a consumption) or from the free stock there.
    ``ValidationError`` on ``quantity`` when there are not so many; then nothing changes."""
    _check_stock_args(tenant, part, location, quantity)
    # Only the ticket's own reservation needs the ticket locked; free stock is guarded by
    # the conditional UPDATE alone.
    ticket = _locked_ticket(tenant, ticket) if from_reservation else _own_ticket(tenant, ticket)
    level = _level(tenant, part, location)
    if from_reservation:
        _check_reserved_for(ticket, part, location, quantity)
        taken = _decrease(
            level,
            Q(reserved__gte=quantity, on_hand__gte=quantity),
            on_hand=F("on_hand") - quantity,
            reserved=F("reserved") - quantity,
        )
        if not taken:
            raise _not_reserved(part, location, 0)
        _move(tenant, actor, part, location, MovementKind.RELEASED, quantity, ticket)
    else:
        enough = Q(on_hand__gte=F("reserved") + quantity)
        if not _decrease(level, enough, on_hand=F("on_hand") - quantity):
            raise _not_available(part, location, level.pk)
    movement = _move(tenant, actor, part, location, MovementKind.CONSUMED, quantity, ticket, note)
    _audit_move(tenant, actor, movement, ticket)
    _after_decrease(tenant, part, quantity)
    return movement


@transaction.atomic
def stock_return(
    *,
    tenant: Tenant,
    actor: Membership | None,
    part: Part,
    location: StockLocation,
    quantity: int,
    ticket: Ticket,
    note: str = "",
) -> StockMovement:
    """A part consumed for ``ticket`` comes back unused (or refurbished) into ``location``;
    at most what the ticket consumed and has not returned yet."""
    _check_stock_args(tenant, part, location, quantity)
    ticket = _locked_ticket(tenant, ticket)
    consumed = ticket_consumed_quantity(ticket=ticket, part=part)
    if quantity > consumed:
        raise ValidationError(
            {
                "quantity": _("Only %(n)s of part %(part)s were consumed for this ticket.")
                % {"n": consumed, "part": part.part_number}
            }
        )
    level = _level(tenant, part, location)
    StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
    movement = _move(tenant, actor, part, location, MovementKind.RETURNED, quantity, ticket, note)
    _audit_move(tenant, actor, movement, ticket)
    return movement


@transaction.atomic
def stock_transfer(
    *,
    tenant: Tenant,
    actor: Membership | None,
    part: Part,
    source: StockLocation,
    destination: StockLocation,
    quantity: int,
    note: str = "",
) -> tuple[StockMovement, StockMovement]:
    """Move free stock from ``source`` to ``destination`` (the warehouse to a van): two rows,
    out and in. Both levels are locked in one order first, so two opposite transfers cannot
    deadlock."""
    _check_stock_args(tenant, part, source, quantity)
    _check_own(tenant, [destination], "destination", _("Choose a stock location of this desk."))
    if source.pk == destination.pk:
        raise ValidationError({"destination": _("Choose another location than the source.")})
    out_level, in_level = _level(tenant, part, source), _level(tenant, part, destination)
    list(StockLevel.objects.select_for_update().filter(pk__in=[out_level.pk, in_level.pk]))
    enough = Q(on_hand__gte=F("reserved") + quantity)
    if not _decrease(out_level, enough, on_hand=F("on_hand") - quantity):
        raise _not_available(part, source, out_level.pk)
    StockLevel.objects.filter(pk=in_level.pk).update(on_hand=F("on_hand") + quantity)
    kinds = (MovementKind.TRANSFERRED_OUT, MovementKind.TRANSFERRED_IN)
    out_row = _move(tenant, actor, part, source, kinds[0], quantity, note=note)
    in_row = _move(tenant, actor, part, destination, kinds[1], quantity, note=note)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="stock_transferred",
        target=part,
        data={"from": source.name, "to": destination.name, "quantity": quantity},
    )
    return out_row, in_row


@transaction.atomic
def stock_adjust(
    *,
    tenant: Tenant,
    actor: Membership | None,
    part: Part,
    location: StockLocation,
    counted: int,
    note: str = "",
) -> StockMovement:
    """A stock count: ``counted`` is what is on the shelf. The movement's quantity is the
    signed difference (0 when the count confirms the books). A count below what is reserved
    there is refused: release the reservations first."""
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise ValidationError({"counted": _("Give the number counted (0 or more).")})
    _check_stock_args(tenant, part, location, 1)
    level = _level(tenant, part, location)
    level = StockLevel.objects.select_for_update().get(pk=level.pk)
    if counted < level.reserved:
        raise ValidationError(
            {
                "counted": _("%(n)s of these are reserved for tickets; release them first.")
                % {"n": level.reserved}
            }
        )
    difference = counted - level.on_hand
    StockLevel.objects.filter(pk=level.pk).update(on_hand=counted)
    movement = _move(tenant, actor, part, location, MovementKind.ADJUSTED, difference, note=note)
    _audit_move(tenant, actor, movement)
    if difference < 0:
        _after_decrease(tenant, part, -difference)
    return movement


# --- what a ticket holds --------------------------------------------------------------------------


def _ticket_sum(ticket: Ticket, part: Part, kinds: dict[str, int], **where) -> int:
    rows = StockMovement.objects.filter(ticket=ticket, part=part, kind__in=kinds, **where)
    totals = dict(rows.values_list("kind").annotate(total=Sum("quantity")))
    return sum(sign * (totals.get(kind) or 0) for kind, sign in kinds.items())


def ticket_reserved_quantity(*, ticket: Ticket, part: Part, location: StockLocation) -> int:
    """What is still set aside for ``ticket`` at ``location``: reserved minus released (a
    consumption from the reservation is written as a release too)."""
    kinds = {MovementKind.RESERVED: 1, MovementKind.RELEASED: -1}
    return _ticket_sum(ticket, part, kinds, location=location)


def ticket_consumed_quantity(*, ticket: Ticket, part: Part) -> int:
    """Fitted for ``ticket`` and not returned: consumed minus returned, at any location."""
    return _ticket_sum(ticket, part, {MovementKind.CONSUMED: 1, MovementKind.RETURNED: -1})


def _check_reserved_for(ticket: Ticket, part: Part, location: StockLocation, quantity: int):
    reserved = ticket_reserved_quantity(ticket=ticket, part=part, location=location)
    if quantity > reserved:
        raise _not_reserved(part, location, reserved)


def _not_reserved(part: Part, location: StockLocation, reserved: int) -> ValidationError:
    return ValidationError(
        {
            "quantity": _(
                "Only %(n)s of part %(part)s are reserved for this ticket at %(location)s."
            )
            % {"n": reserved, "part": part.part_number, "location": location.name}
        }
    )


# --- low stock ------------------------------------------------------------------------------------


def _after_decrease(tenant: Tenant, part: Part, quantity: int) -> None:
    """Alert when this decrease took the part's total on hand to its threshold or below (a
    crossing: the total before was above it). The part row is locked first, so concurrent
    decreases at different locations see each other's totals one after the other and only
    the one that crosses alerts. Precondition: in the decreasing transaction."""
    if part.low_stock_threshold <= 0:
        return
    part = Part.objects.select_for_update().get(pk=part.pk)
    on_hand = part_total_on_hand(part=part)
    if on_hand <= part.low_stock_threshold < on_hand + quantity:
        stock_low_alert(tenant=tenant, part=part, on_hand=on_hand)


def part_total_on_hand(*, part: Part) -> int:
    return StockLevel.objects.filter(part=part).aggregate(n=Sum("on_hand"))["n"] or 0


def stock_low_alert(*, tenant: Tenant, part: Part, on_hand: int) -> None:
    """Record the crossing (the ``stock.low`` webhook goes with the audit row) and notify the
    members of the part's responsible team once the decrease has committed."""
    audit_record(
        tenant=tenant,
        actor=None,
        action="stock_low",
        target=part,
        new=on_hand,
        data={"on_hand": on_hand, "threshold": part.low_stock_threshold},
    )
    if part.responsible_team_id is not None:
        transaction.on_commit(lambda: _notify_team(tenant, part, on_hand))


def _notify_team(tenant: Tenant, part: Part, on_hand: int) -> None:
    with scope(tenant=tenant):
        _notify_team_in_scope(part, on_hand)


def _notify_team_in_scope(part: Part, on_hand: int) -> None:
    team = Team.objects.filter(pk=part.responsible_team_id).first()
    if team is None:
        return
    text = _("Low stock: %(part)s has %(n)s left (threshold %(threshold)s).") % {
        "part": part,
        "n": on_hand,
        "threshold": part.low_stock_threshold,
    }
    url = reverse("repairs:part_detail", kwargs={"pk": part.pk})
    recipients = team.members.filter(is_active=True)
    with transaction.atomic():
        notify_many([(member, text, url) for member in recipients])
