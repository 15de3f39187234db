"""Migration helpers for PostgreSQL-only schema (extensions, GIN indexes)."""

from django.db import migrations


class PostgreSQLOnlySQL(migrations.RunSQL):
    """``RunSQL`` that runs on PostgreSQL and is a no-op elsewhere (SQLite, the embedded
    default, has no tsvector to index). The state is untouched either way."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
