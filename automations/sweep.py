"""The sweep of time-based automations: "pending and not updated for 72 hours → remind the
customer; 7 days → resolve".

Each run, for each active automation of each tenant that has one: the tickets its time and
status conditions select in the database (through the ticket's own indexed columns), the rest
of its conditions checked on each, then fired once. *Once* is a unique ``AutomationRun`` row
per (automation, ticket, cycle) inserted first in the firing's own transaction with ``ON
CONFLICT DO NOTHING``: two sweepers racing on one ticket both try the insert, the second waits
for the first to commit and then inserts nothing, so it does nothing. ``cycle`` is the
ticket's reopen count, so a reopened ticket that goes quiet again is reminded again.
"""

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from automations.conditions import matches
from automations.engine import fire
from automations.facts import Facts
from automations.models import Automation, AutomationRun
from helpdesk.models import Tenant
from helpdesk.tenancy import across_tenants
from tickets.models import Status, Ticket

# At most this many tickets per automation and run: a backlog is worked off run by run.
BATCH = 500
# The time conditions the sweep can select by, and the ticket column each counts from (the
# customer's last message: their reply, or the request itself).
TIME_COLUMNS = {
    "hours_since_created": "created_at",
    "hours_since_updated": "updated_at",
    "hours_since_customer_message": "last_customer_reply_at",
}
SELECTABLE = ("status", "priority", "channel")


def automation_label(automation: Automation) -> str:
    return _("Automation '%(name)s'") % {"name": automation.name}


def sweep(*, now: datetime | None = None) -> int:
    """Run every tenant's active automations; answers how many firings there were."""
    now = now or timezone.now()
    with across_tenants():
        tenant_ids = sorted(
            set(Automation.objects.filter(is_active=True).values_list("tenant_id", flat=True))
        )
        tenants = list(Tenant.objects.filter(pk__in=tenant_ids))
    fired = 0
    for tenant in tenants:
        with scope(tenant=tenant):
            fired += sweep_tenant(now=now)
    return fired


def sweep_tenant(*, now: datetime) -> int:
    """Precondition: the tenant's scope is active."""
    fired = 0
    for automation in Automation.objects.filter(is_active=True).order_by("position", "pk"):
        for ticket in candidates(automation, now)[:BATCH]:
            if not matches(automation.conditions, Facts(ticket, now=now)):
                continue
            if _fire_once(automation, ticket):
                fired += 1
            elif not Automation.objects.filter(pk=automation.pk, is_active=True).exists():
                break  # switched off meanwhile: it named something gone
    return fired


def candidates(automation: Automation, now: datetime) -> QuerySet[Ticket]:
    """The tickets not closed that the automation's ``all`` time and status conditions
    select, that it has not fired on in their current cycle, oldest first."""
    tickets = Ticket.objects.exclude(status=Status.CLOSED).select_related(
        "tenant", "customer__tier", "team__lead", "assignee__user"
    )
    for condition in automation.conditions.get("all", ()):
        tickets = tickets.filter(_selector(condition, now))
    fired = AutomationRun.objects.filter(
        automation=automation, ticket=OuterRef("pk"), cycle=OuterRef("reopened_count")
    )
    return tickets.exclude(Exists(fired)).order_by("pk")


def _selector(condition: dict, now: datetime) -> Q:
    field, operator, value = condition["field"], condition["operator"], condition["value"]
    if field in TIME_COLUMNS and operator in ("gt", "gte", "lt", "lte"):
        # More hours than the value have passed: the column is at or before the moment.
        lookup = "lte" if operator in ("gt", "gte") else "gte"
        return _compare(TIME_COLUMNS[field], lookup, now - timedelta(hours=value))
    if field in SELECTABLE and operator == "is":
        return Q(**{field: value})
    if field in SELECTABLE and operator == "in":
        return Q(**{f"{field}__in": value})
    return Q()  # decided on each ticket by ``matches``


def _compare(column: str, lookup: str, moment: datetime) -> Q:
    selected = Q(**{f"{column}__{lookup}": moment})
    if column == "last_customer_reply_at":
        selected |= Q(last_customer_reply_at__isnull=True, **{f"created_at__{lookup}": moment})
    return selected


def _fire_once(automation: Automation, ticket: Ticket) -> int:
    def record() -> bool:
        return _insert_run(automation, ticket)

    label = automation_label(automation)
    return int(fire(rule=automation, label=label, event="time", ticket=ticket, record=record))


def _insert_run(automation: Automation, ticket: Ticket) -> bool:
    """One statement: True if this run inserted the row, False if another sweeper had."""
    ops = connection.ops
    sql = (
        f"INSERT INTO {ops.quote_name(AutomationRun._meta.db_table)}"  # noqa: S608 - our own table  # nosec B608
        " (tenant_id, automation_id, ticket_id, cycle, created_at)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id"
    )
    params = [ticket.tenant_id, automation.pk, ticket.pk, ticket.reopened_count]
    params.append(ops.adapt_datetimefield_value(timezone.now()))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None
