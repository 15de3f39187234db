"""One event evaluation of the triggers, repeated: ``python -m bench.trigger_evaluations
--triggers 0|100 --ticket quiet|leak --iterations N``; what ``bench.instructions`` runs under
callgrind to count the instructions of one ``automations.engine.run_triggers`` call.

On the triggers benchmark's tenant (``bench.triggers_bench``, made by
``python -m bench --only triggers --load-only``): inside one transaction that is rolled back at
the end, the 100 ``ticket.created`` triggers are switched on (or none), one ticket of a regular
customer is created (``quiet``: "冰箱不制冷", which no trigger matches; ``leak``: "洗衣机漏水了",
which one trigger matches and tags), then ``run_triggers(event="ticket.created")`` runs
``--iterations`` times on it, each in a savepoint rolled back, so that every evaluation does the
same work (a fresh chain each: the same trigger fires again). The database is left as it was.
"""

import argparse
import os
import sys

from bench.__main__ import DEFAULT_TRIGGERS_DATABASE_URL

TICKETS = {
    "quiet": {"subject": "冰箱不制冷", "description": "Please call me back in the afternoon."},
    "leak": {"subject": "洗衣机漏水了", "description": "Please call me back in the afternoon."},
}
REGULAR_CUSTOMER = 100  # an index into the bench customers: the regular tier


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    os.environ["DATABASE_URL"] = os.environ.get(
        "TRIGGERS_BENCH_DATABASE_URL", DEFAULT_TRIGGERS_DATABASE_URL
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("HELPDESK_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import transaction
    from django_scopes import scope

    from automations.engine import run_triggers
    from automations.models import TriggerEvent
    from bench import triggers_bench
    from tickets.services import ticket_create

    tenant, agent, customers = triggers_bench.fixture()
    event = TriggerEvent.TICKET_CREATED
    fired = []
    with scope(tenant=tenant), transaction.atomic():
        triggers_bench.activate(tenant, event if args.triggers else None)
        ticket = ticket_create(
            tenant=tenant,
            customer=customers[REGULAR_CUSTOMER],
            actor=agent,
            channel="web",
            **TICKETS[args.ticket],
        )
        for _ in range(args.iterations):
            with transaction.atomic():
                fired.append(run_triggers(event=event, ticket=ticket))
                transaction.set_rollback(True)
        transaction.set_rollback(True)
    print(f"{args.iterations} evaluations, triggers fired in each: {sorted(set(fired))}")
    return 0


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.trigger_evaluations", description=__doc__
    )
    parser.add_argument("--triggers", type=int, choices=(0, 100), default=100)
    parser.add_argument("--ticket", choices=tuple(TICKETS), default="quiet")
    parser.add_argument("--iterations", type=int, default=1)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
