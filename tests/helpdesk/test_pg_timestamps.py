"""Timestamps come back from PostgreSQL through psycopg's compiled parser, unchanged."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders"),
]

VALUES = [
    "2026-11-23 08:30:00.123456+00",
    "2026-03-29 01:59:59+08",
    "1999-12-31 23:59:59.5-05:30",
    "0044-03-15 12:00:00+00",
]
QUERY = "SELECT v::timestamptz FROM unnest(%s::text[]) AS v"


def _loaded(values: list[str]) -> list[datetime]:
    with connection.cursor() as cursor:
        cursor.execute(QUERY, [values])
        return [row[0] for row in cursor.fetchall()]


def test_the_connection_uses_the_compiled_parser():
    import psycopg
    from psycopg.adapt import Transformer
    from psycopg.pq import Format
    from psycopg.types.datetime import TimestamptzLoader

    from helpdesk.platform.pg_timestamps import TIMESTAMPTZ_OID, UtcTimestampLoader

    connection.ensure_connection()
    raw = connection.connection
    assert raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT) is UtcTimestampLoader
    compiled = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert compiled is not TimestamptzLoader  # psycopg's C build is installed
    loader = Transformer(raw).get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    # psycopg calls ``loader.load`` for each value: the compiled loader's own method.
    assert isinstance(loader.load.__self__, compiled)


def test_values_are_what_djangos_loader_returns():
    compiled = _loaded(VALUES)
    register_tzloader(connection.timezone, connection.connection)  # Django's own, for this test
    try:
        djangos = _loaded(VALUES)
    finally:
        connection.close()  # the next connection gets the compiled loader again
    assert compiled == djangos
    assert [value.tzinfo for value in compiled] == [UTC] * len(VALUES)
    assert [value.isoformat() for value in compiled] == [value.isoformat() for value in djangos]
    assert compiled[0] == datetime(2026, 11, 23, 8, 30, 0, 123456, tzinfo=UTC)
    assert compiled[2] == datetime(
        1999, 12, 31, 23, 59, 59, 500000, tzinfo=timezone(-timedelta(hours=5, minutes=30))
    )


def test_a_session_outside_utc_keeps_djangos_loader():
    """Django keeps its sessions in UTC; a session set otherwise gets Django's loader as before."""
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Shanghai'")
        try:
            cursor.execute(QUERY, [VALUES])
            ours = [row[0] for row in cursor.fetchall()]
            register_tzloader(connection.timezone, cursor.cursor)  # Django's, on this cursor
            cursor.execute(QUERY, [VALUES])
            djangos = [row[0] for row in cursor.fetchall()]
        finally:
            cursor.execute("SET TIME ZONE 'UTC'")
    assert [(v, v.tzinfo) for v in ours] == [(v, v.tzinfo) for v in djangos]
