"""``python -m bench --only triggers``: what a tenant's triggers cost a ticket change.

One tenant (``triggerbench``) with 300 customers across the four tiers, some tags, and two sets
of 100 triggers built by ``trigger_definitions``: one on ``ticket.created``, one on
``ticket.updated``. Their conditions are varied as a tenant's are (subject or description
contains words, in Chinese and English; priority in; tags; customer tier; channel; VIP); most
never match, a few match some tickets and set the priority or add tags.

Two cases, each in alternating rounds on the same database and the same tenant (A B A B …, so
a noisy neighbour hits both alike and the spread shows):

1. **Ticket creation** through ``tickets.services.ticket_create`` (numbered, routed, the SLA
   row, the audit events: what the API and the portal call), ``--trigger-tickets`` tickets a
   round, built by ``ticket_requests`` (a fixed mix of subjects, channels, priorities and
   tags). Round A runs with 0 active triggers, round B with the 100 on ``ticket.created``
   switched on (one UPDATE between rounds, not timed).
2. **A priority change** through ``tickets.services.ticket_change_priority`` on as many
   existing tickets, with 0 and then the 100 on ``ticket.updated`` active.

Reported per round: tickets per second and the median wall and CPU ms per ticket; per case the
median throughput of each side and the ratio (100 triggers ÷ 0; target ≥ 0.8), and the queries
one ticket takes on each side. Nothing is asserted about time: the figures are printed.

Its own database: ``TRIGGERS_BENCH_DATABASE_URL``, else
postgres://postgres@127.0.0.1:5432/helpdesk_bench_triggers (created when missing; the tenant
is made once and found again on later runs).
"""

import itertools
import random
import statistics
import time
from dataclasses import dataclass, field

SLUG = "triggerbench"
ADMIN_EMAIL = "admin@triggerbench.bench.test"
AGENT_EMAIL = "agent@triggerbench.bench.test"
TRIGGERS = 100
CUSTOMERS = 300
TIER_CODES = ("vip", "important", "regular", "potential")
TIER_SHARES = (0.05, 0.15, 0.6, 0.2)
CHANNELS = ("web", "email", "phone", "api", "chat")
TARGET = 0.8

# Subjects as customers write them; a few carry words that some triggers look for.
SUBJECTS = (
    "洗衣机漏水了",
    "Washer leaks at the door",
    "冰箱不制冷",
    "Fridge is noisy at night",
    "空调遥控器失灵",
    "Dishwasher shows error E4",
    "热水器显示故障代码E1",
    "Where is my repair technician?",
    "预约上门安装",
    "Invoice for last repair",
    "烘干机有焦味",
    "App cannot connect to the washer",
)
DESCRIPTIONS = (
    "The machine stopped halfway through the programme.",
    "上周刚买的，用了两次就坏了。",
    "Please call me back in the afternoon.",
    "请尽快安排师傅上门，家里有老人。",
    "",
)
TICKET_TAGS = ((), (), ("online-order",), ("repeat",), ("installation",), ("warranty",))
# Words no ticket of the mix contains: the triggers that look for them never match.
RARE_WORDS = (
    "投诉媒体",
    "lawyer",
    "burst pipe",
    "起火",
    "recall",
    "12315",
    "refund now",
    "电击",
    "smoke",
    "爆炸",
    "chargeback",
    "fraud",
)


@dataclass
class Side:
    """One side of a case (0 or 100 active triggers): its rounds."""

    label: str
    per_second: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)  # one per ticket, all rounds
    cpu_ms: list[float] = field(default_factory=list)
    queries: int = 0  # a ticket's, on average over one round
    firings: int = 0

    def add_round(self, wall: list[float], cpu: list[float]) -> None:
        self.wall_ms.extend(wall)
        self.cpu_ms.extend(cpu)
        self.per_second.append(len(wall) / (sum(wall) / 1000))

    def median_per_second(self) -> float:
        return statistics.median(self.per_second)


def ratio(with_triggers: Side, without: Side) -> float:
    """Throughput with the triggers over throughput without: the medians of the rounds."""
    return with_triggers.median_per_second() / without.median_per_second()


# --- the data ------------------------------------------------------------------------------------


def trigger_definitions(count: int, event: str) -> list[dict]:
    """``count`` triggers' values for ``automations.services.trigger_create`` on ``event``,
    varied as a tenant's are. Every tenth matches some tickets of ``ticket_requests`` (sets a
    priority or adds tags); the others look for words, tags or combinations none of them has."""
    definitions = []
    for n in range(count):
        word = RARE_WORDS[n % len(RARE_WORDS)]
        tier = TIER_CODES[n % len(TIER_CODES)]
        channel = CHANNELS[n % len(CHANNELS)]
        kind = n % 10
        if kind == 0:  # the few that match
            conditions, actions = _matching(n // 10)
        elif kind in (1, 2):
            conditions = {
                "all": [{"field": "subject", "operator": "contains_any", "value": [word, f"#{n}"]}],
                "any": [],
            }
            actions = [{"type": "set_priority", "value": "urgent"}]
        elif kind == 3:
            conditions = {
                "all": [
                    {"field": "priority", "operator": "in", "value": ["urgent"]},
                    {"field": "channel", "operator": "is", "value": channel},
                    {"field": "subject_or_text", "operator": "contains", "value": word},
                ],
                "any": [],
            }
            actions = [{"type": "add_tags", "value": [f"rule-{n}"]}]
        elif kind == 4:
            conditions = {
                "all": [{"field": "tier", "operator": "is", "value": tier}],
                "any": [
                    {"field": "subject", "operator": "contains", "value": word},
                    {"field": "description", "operator": "contains", "value": word},
                ],
            }
            actions = [{"type": "set_priority", "value": "high"}]
        elif kind == 5:
            conditions = {
                "all": [{"field": "tags", "operator": "contains_any", "value": [f"never-{n}"]}],
                "any": [],
            }
            actions = [{"type": "remove_tags", "value": ["online-order"]}]
        elif kind == 6:
            conditions = {
                "all": [
                    {"field": "channel", "operator": "in", "value": [channel]},
                    {"field": "priority", "operator": "is", "value": "low"},
                    {"field": "tags", "operator": "contains_all", "value": ["repeat", word]},
                ],
                "any": [],
            }
            actions = [{"type": "set_priority", "value": "normal"}]
        elif kind == 7:
            conditions = {
                "all": [
                    {"field": "is_vip", "operator": "is", "value": True},
                    {"field": "subject", "operator": "starts_with", "value": word},
                ],
                "any": [],
            }
            actions = [{"type": "add_tags", "value": ["vip-attention"]}]
        elif kind == 8:
            conditions = {
                "all": [{"field": "description", "operator": "contains_any", "value": [word]}],
                "any": [],
            }
            actions = [{"type": "add_tags", "value": [f"rule-{n}"]}]
        else:
            conditions = {
                "all": [{"field": "priority", "operator": "not_in", "value": ["low", "normal"]}],
                "any": [
                    {"field": "tier", "operator": "in", "value": [tier]},
                    {"field": "subject", "operator": "contains", "value": word},
                ],
            }
            if n % 20 == 9:  # half of these: a phrase no ticket has, so still no match
                conditions["all"].append(
                    {"field": "subject_or_text", "operator": "contains", "value": word}
                )
            else:
                conditions["all"].append({"field": "tier", "operator": "is", "value": "none"})
            actions = [{"type": "add_tags", "value": ["escalated-by-rule"]}]
        definitions.append(
            {
                "name": f"Rule {n + 1:03d}",
                "event": event,
                "is_active": False,
                "position": n + 1,
                "conditions": conditions,
                "actions": actions,
            }
        )
    return definitions


def _matching(m: int) -> tuple[dict, list[dict]]:
    """The ten triggers that match part of the mix."""
    table = (
        ("subject", "contains_any", ["漏水", "leak"], [{"type": "add_tags", "value": ["leak"]}]),
        ("subject", "contains", "E4", [{"type": "set_priority", "value": "high"}]),
        ("tier", "in", ["vip"], [{"type": "set_priority", "value": "urgent"}]),
        ("channel", "is", "phone", [{"type": "add_tags", "value": ["hotline"]}]),
        ("tags", "contains_any", ["repeat"], [{"type": "add_tags", "value": ["second-contact"]}]),
        ("subject", "contains_any", ["焦味", "smell"], [{"type": "set_priority", "value": "high"}]),
        ("subject_or_text", "contains", "老人", [{"type": "add_tags", "value": ["elderly"]}]),
        ("subject", "contains", "安装", [{"type": "add_tags", "value": ["install"]}]),
        ("tier", "is", "important", [{"type": "add_tags", "value": ["key-account"]}]),
        (
            "subject",
            "contains_any",
            ["故障代码", "error"],
            [{"type": "add_tags", "value": ["code"]}],
        ),
    )
    name, operator, value, actions = table[m % len(table)]
    return {"all": [{"field": name, "operator": operator, "value": value}], "any": []}, actions


def ticket_requests(count: int, *, seed: int = 23) -> list[dict]:
    """``count`` tickets' arguments for ``ticket_create`` (without the tenant and customer,
    the customer given as an index into the tenant's customers)."""
    pick = random.Random(seed)  # noqa: S311 - a workload, not a secret
    return [
        {
            "customer": pick.randrange(CUSTOMERS),
            "subject": pick.choice(SUBJECTS),
            "description": pick.choice(DESCRIPTIONS),
            "channel": pick.choice(CHANNELS),
            "priority": pick.choices(("low", "normal", "high"), weights=(2, 7, 1))[0],
            "tags": list(pick.choice(TICKET_TAGS)),
        }
        for _ in range(count)
    ]


def customer_tiers(count: int) -> list[str]:
    """The tier code of each bench customer, in the shares of ``TIER_SHARES``."""
    tiers = []
    for code, share in zip(TIER_CODES, TIER_SHARES, strict=True):
        tiers.extend([code] * round(share * count))
    return (tiers + [TIER_CODES[2]] * count)[:count]


# --- the fixture ---------------------------------------------------------------------------------


def fixture():
    """The bench tenant, its agent, customers (in tier order) and both sets of triggers; made
    once, found again on later runs. Returns (tenant, agent, customers)."""
    from django.db import transaction
    from django_scopes import scope

    from automations.models import Trigger, TriggerEvent
    from automations.services import trigger_create
    from customers.models import Customer, Tier
    from customers.services import customer_create
    from helpdesk.models import Membership, Role, Tenant
    from helpdesk.services import membership_create, tenant_create

    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        with transaction.atomic():
            tenant, admin = tenant_create(
                slug=SLUG,
                name="Triggers bench",
                admin_email=ADMIN_EMAIL,
                admin_password=None,
            )
            with scope(tenant=tenant):
                membership_create(tenant=tenant, email=AGENT_EMAIL, role=Role.AGENT)
                tiers = {tier.code: tier for tier in Tier.objects.all()}
                # Exactly the bench's triggers: not the six a new desk starts with.
                Trigger.objects.all().delete()
                for n, code in enumerate(customer_tiers(CUSTOMERS)):
                    customer_create(
                        tenant=tenant,
                        actor=admin,
                        name=f"客户 {n:03d}",
                        phone=f"+86 139 {n:04d} {n * 7 % 10000:04d}",
                        tier=tiers[code],
                    )
                for event in (TriggerEvent.TICKET_CREATED, TriggerEvent.TICKET_UPDATED):
                    for values in trigger_definitions(TRIGGERS, event):
                        trigger_create(tenant=tenant, actor=admin, values=values)
    with scope(tenant=tenant):
        agent = Membership.objects.select_related("user").get(user__email=AGENT_EMAIL)
        customers = list(Customer.objects.order_by("pk"))
    return tenant, agent, customers


def activate(tenant, event: str | None) -> None:
    """Only the triggers of ``event`` active (none when None), and the tenant's cached list of
    trigger events forgotten, as every write of triggers does. Precondition: in the scope."""
    from automations import registry
    from automations.models import Trigger

    Trigger.objects.update(is_active=False)
    if event is not None:
        Trigger.objects.filter(event=event).update(is_active=True)
    registry.forget(tenant.pk)


# --- the run -------------------------------------------------------------------------------------


def run(*, rounds: int, tickets: int) -> int:
    from django_scopes import scope

    from automations.models import TriggerEvent

    _print_machine()
    tenant, agent, customers = fixture()
    with scope(tenant=tenant):
        try:
            created = _case(
                tenant,
                "Ticket creation (ticket_create)",
                TriggerEvent.TICKET_CREATED,
                rounds,
                lambda: _create_round(tenant, agent, customers, tickets),
            )
            pool = [_create(tenant, agent, customers, request) for request in _requests(tickets)]
            updated = _case(
                tenant,
                "Priority change (ticket_change_priority)",
                TriggerEvent.TICKET_UPDATED,
                rounds,
                lambda: _update_round(agent, pool),
            )
        finally:
            activate(tenant, None)
    print(f"\n| case | 0 triggers: tickets/s | 100 triggers: tickets/s | ratio (target ≥ {TARGET})")
    print("|---|---:|---:|---:|")
    for name, (without, with_triggers) in (("creation", created), ("priority change", updated)):
        print(
            f"| {name} | {without.median_per_second():.1f}"
            f" | {with_triggers.median_per_second():.1f} | {ratio(with_triggers, without):.2f} |"
        )
    return 0


def _print_machine() -> None:
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().strip()
    print(f"\n{time.strftime('%Y-%m-%d %H:%M %Z')}  load average: {load}", flush=True)


_seeds = itertools.count(1)


def _requests(count: int) -> list[dict]:
    """The next ``count`` tickets of the mix: each round gets the same kind of mix, not the
    very same tickets (a new seed a round)."""
    return ticket_requests(count, seed=next(_seeds))


def _case(tenant, title: str, event: str, rounds: int, one_round) -> tuple[Side, Side]:
    """Warm both sides, count one ticket's queries on each, then alternate the rounds."""
    from automations.models import TriggerFiring

    without, with_triggers = Side("0 triggers"), Side("100 triggers")
    for side, active in ((without, None), (with_triggers, event)):
        activate(tenant, active)
        one_round()  # warm: the ORM's, the translations' and the tiers' caches
        side.queries = _queries_of(one_round)
    print(f"\n{title}: {rounds} rounds of each, alternating")
    print(
        f"  {'round':<6} {'side':<13} {'tickets/s':>9} {'wall ms median':>15} {'CPU ms median':>14}"
    )
    for n in range(rounds):
        for side, active in ((without, None), (with_triggers, event)):
            activate(tenant, active)
            fired_before = TriggerFiring.objects.count()
            wall, cpu = one_round()
            side.add_round(wall, cpu)
            side.firings += TriggerFiring.objects.count() - fired_before
            print(
                f"  {n + 1:<6} {side.label:<13} {side.per_second[-1]:9.1f}"
                f" {statistics.median(wall):15.2f} {statistics.median(cpu):14.2f}"
                f" {TriggerFiring.objects.count() - fired_before:8d}",
                flush=True,
            )
    for side in (without, with_triggers):
        print(
            f"  {side.label}: median {side.median_per_second():.1f} tickets/s "
            f"(rounds {min(side.per_second):.1f}–{max(side.per_second):.1f}), "
            f"per ticket {statistics.median(side.wall_ms):.2f} ms wall, "
            f"{statistics.median(side.cpu_ms):.2f} ms CPU, {side.queries} queries a ticket, "
            f"{side.firings / len(side.wall_ms):.2f} firings a ticket"
        )
    print(f"  ratio (100 ÷ 0): {ratio(with_triggers, without):.2f}  target ≥ {TARGET}", flush=True)
    return without, with_triggers


def _queries_of(one_round) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        wall, _cpu = one_round()
    return round(len(captured) / len(wall))


def _create(tenant, agent, customers, request: dict):
    from tickets.services import ticket_create

    values = dict(request)
    return ticket_create(
        tenant=tenant, customer=customers[values.pop("customer")], actor=agent, **values
    )


def _create_round(tenant, agent, customers, count: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for request in _requests(count):
        wall_started, cpu_started = time.perf_counter(), time.thread_time()
        _create(tenant, agent, customers, request)
        cpu.append((time.thread_time() - cpu_started) * 1000)
        wall.append((time.perf_counter() - wall_started) * 1000)
    return wall, cpu


def _update_round(agent, pool) -> tuple[list[float], list[float]]:
    """Each ticket of the pool to high priority, or back to normal when it is high already."""
    from tickets.services import ticket_change_priority

    wall, cpu = [], []
    for ticket in pool:
        priority = "normal" if ticket.priority == "high" else "high"
        wall_started, cpu_started = time.perf_counter(), time.thread_time()
        ticket_change_priority(ticket=ticket, actor=agent, priority=priority)
        cpu.append((time.thread_time() - cpu_started) * 1000)
        wall.append((time.perf_counter() - wall_started) * 1000)
    return wall, cpu
