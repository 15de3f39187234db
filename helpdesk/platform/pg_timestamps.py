"""PostgreSQL timestamps parsed by psycopg's compiled parser.

Django registers its own ``timestamptz`` loader on every PostgreSQL connection: a Python
subclass of psycopg's loader that parses each value in Python (about 7 µs a value here, against
0.7 µs in psycopg's C build) and then sets ``tzinfo`` to the connection's time zone. With
``USE_TZ`` on and no ``TIME_ZONE`` in the database settings, Django keeps the session in UTC,
and then the compiled parser returns the very same value: the same instant with
``datetime.timezone.utc`` as its ``tzinfo``. An API page of 25 tickets reads about 150
timestamps, a queue page about 60.

``UtcTimestampLoader`` is Django's loader class (Django reads its ``timezone`` to decide
whether a cursor needs its own loader), whose instances hand each value to the compiled parser
when the session is in UTC and to Django's code otherwise. Without psycopg's C build (the
``binary`` extra) nothing changes.
"""

from datetime import UTC

import psycopg
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.postgres import types
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ_OID = types["timestamptz"].oid


class UtcTimestampLoader(BaseTzLoader):
    timezone = UTC

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        compiled = psycopg.adapters.get_loader(oid, Format.TEXT)
        session = self.connection
        # With the pure-Python build the compiled loader is psycopg's Python one: keep Django's.
        if compiled is not TimestamptzLoader and session and session.info.timezone is UTC:
            # An instance attribute: psycopg calls ``loader.load`` for each value, which is
            # then the compiled method itself, with no Python frame in between.
            self.load = compiled(oid, context).load


def install_compiled_timestamps(connection: BaseDatabaseWrapper) -> None:
    """Use ``UtcTimestampLoader`` on a new PostgreSQL connection whose Django time zone is UTC."""
    if connection.vendor != "postgresql" or connection.timezone is not UTC:
        return
    adapters = connection.connection.adapters
    if adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT) is not UtcTimestampLoader:
        adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestampLoader)
