from django.core.management.base import BaseCommand
from django.db import transaction
from django_scopes import scope

from customers.demo import seed_customers
from fieldservice.demo import seed_field_service
from helpdesk import demo
from helpdesk.services import tenant_seed_defaults
from knowledge.demo import seed_knowledge
from products.demo import seed_products
from products.demo_contracts import seed_service_contracts
from repairs.demo import seed_parts
from surveys.demo import seed_surveys
from tickets.demo import seed_tickets


class Command(BaseCommand):
    help = "Load the demo tenants (acme, and globex for isolation checks). Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        acme = demo.demo_tenant("acme", "ACME Appliances 艾克美电器", "admin@acme.test", "zh-hans")
        people = demo.seed_people(acme)
        with scope(tenant=acme):
            tenant_seed_defaults(acme)
            customers = seed_customers(acme)
            units = seed_products(acme, customers)
            seed_tickets(acme, customers, people["agent1@acme.test"], units=units)
            seed_knowledge(acme, people["agent1@acme.test"], people["manager@acme.test"])
            seed_surveys(acme, people["agent1@acme.test"])
            seed_parts(acme, people["agent1@acme.test"])
            seed_field_service(acme, people["manager@acme.test"])
            # After the other seeds: the contract goes onto a demo unit when there is one.
            seed_service_contracts(acme)
        demo.demo_tenant("globex", "Globex Corporation", "admin@globex.test", "en")
        self.stdout.write(
            "Demo tenants ready: acme (admin@acme.test, manager@acme.test, agent1@acme.test, …) "
            f"and globex (admin@globex.test); password: {demo.DEMO_PASSWORD}"
        )
