from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from helpdesk.row_security import (
    INDEXED_SEARCH_FUNCTIONS,
    mark_search_functions_leakproof,
    role_is_superuser,
)


class Command(BaseCommand):
    help = (
        "Mark the functions behind text search LEAKPROOF, so that under row-level security "
        "ticket, customer and knowledge search use their indexes. Run once per database, "
        "connected as a PostgreSQL superuser (docs/security.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError("Only PostgreSQL has row-level security; nothing to do.")
        if not role_is_superuser(connection):
            raise CommandError(
                "Only a superuser may mark functions LEAKPROOF: run this with a DATABASE_URL "
                "of a superuser, against the application's database."
            )
        marked = mark_search_functions_leakproof(using=options["database"])
        for function in marked:
            self.stdout.write(f"Marked {function} LEAKPROOF")
        if not marked:
            self.stdout.write(
                f"All {len(INDEXED_SEARCH_FUNCTIONS)} search functions are LEAKPROOF already."
            )
