from django.db import migrations

from knowledge.db import PostgreSQLOnlySQL

DEFAULT_BANNED_PHRASES = ("绝对保证", "absolutely guaranteed", "永久有效", "valid forever")


def seed_banned_phrases(apps, schema_editor):
    # Existing tenants get the starting list; new tenants get it from tenant_seed_defaults.
    Tenant = apps.get_model("helpdesk", "Tenant")
    BannedPhrase = apps.get_model("knowledge", "BannedPhrase")
    for tenant_id in Tenant.objects.values_list("pk", flat=True):
        for phrase in DEFAULT_BANNED_PHRASES:
            BannedPhrase._base_manager.get_or_create(tenant_id=tenant_id, phrase=phrase)


class Migration(migrations.Migration):

    dependencies = [
        ("knowledge", "0001_initial"),
    ]

    operations = [
        # Serves ``tenant_id = … AND search_vector @@ query`` (knowledge.search) in one index
        # scan: btree_gin lets the tenant column into the GIN index, so a common word of one
        # tenant is not looked up across every tenant. Both extensions ship with PostgreSQL and
        # are trusted (13+): the database owner may create them. PostgreSQL only.
        PostgreSQLOnlySQL(
            "CREATE EXTENSION IF NOT EXISTS btree_gin",
            migrations.RunSQL.noop,
        ),
        PostgreSQLOnlySQL(
            "CREATE INDEX kb_article_search ON knowledge_article"
            " USING gin (tenant_id, search_vector)",
            "DROP INDEX IF EXISTS kb_article_search",
        ),
        # The title tier of the search (knowledge.search.TitleVector): title matches without
        # rechecking every row that has the word somewhere in its body.
        PostgreSQLOnlySQL(
            "CREATE INDEX kb_article_title_search ON knowledge_article"
            " USING gin (tenant_id, to_tsvector('simple'::regconfig, search_title))",
            "DROP INDEX IF EXISTS kb_article_title_search",
        ),
        migrations.RunPython(seed_banned_phrases, migrations.RunPython.noop),
    ]
