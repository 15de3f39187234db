"""Secrets at rest: what the database holds, reading it back, key rotation, the start-up check
and the migration that encrypts the rows written before."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_scopes import scope

from customers.models import MailboxSettings
from customers.services import mailbox_settings_save
from helpdesk.models import OidcProvider, WebhookSubscription
from helpdesk.oidc import oidc_provider_update
from helpdesk.platform.encryption import decrypt, encrypt, generate_key
from helpdesk.webhook_subscriptions import webhook_subscription_create

PASSWORD = "imap-Pa55word-密码"


@pytest.fixture
def old_key(settings):
    settings.HELPDESK_ENCRYPTION_KEYS = [generate_key()]
    return settings.HELPDESK_ENCRYPTION_KEYS[0]


def stored(table: str, column: str) -> list[str]:
    """The column as the database holds it, past every Django field conversion."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def save_mailbox(tenant, password=PASSWORD) -> MailboxSettings:
    with scope(tenant=tenant):
        return mailbox_settings_save(
            tenant=tenant,
            actor=None,
            address="support@acme.example",
            host="imap.acme.example",
            port=993,
            username="support",
            password=password,
            use_ssl=True,
            folder="INBOX",
            is_active=True,
        )


def subscribe(tenant) -> WebhookSubscription:
    with scope(tenant=tenant):
        return webhook_subscription_create(
            tenant=tenant, url="https://93.184.215.14/in", events=["ticket.created"]
        )


def read_back(tenant) -> tuple[str, str]:
    with scope(tenant=tenant):
        return MailboxSettings.objects.get().password, WebhookSubscription.objects.get().secret


def test_it_keeps_no_plaintext_in_the_columns(tenant_a, settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True
    save_mailbox(tenant_a)
    secret = subscribe(tenant_a).secret
    [password_column] = stored("customers_mailboxsettings", "password")
    [secret_column] = stored("helpdesk_webhooksubscription", "secret")
    assert PASSWORD not in password_column and secret not in secret_column
    assert "whsec_" not in secret_column
    assert decrypt(password_column) == PASSWORD and decrypt(secret_column) == secret
    assert read_back(tenant_a) == (PASSWORD, secret)


def test_it_decrypts_what_it_encrypted_and_never_repeats_a_token(old_key):
    first, second = encrypt(PASSWORD), encrypt(PASSWORD)
    assert first != second  # a fresh nonce each time: equal secrets do not show as equal
    assert decrypt(first) == decrypt(second) == PASSWORD


def test_it_refuses_a_token_that_was_altered_or_written_under_an_unlisted_key(old_key, settings):
    token = encrypt(PASSWORD)
    with pytest.raises(InvalidToken):
        decrypt(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    settings.HELPDESK_ENCRYPTION_KEYS = [generate_key()]
    with pytest.raises(InvalidToken):
        decrypt(token)


def test_it_refuses_lookups_that_could_never_match(tenant_a):
    with scope(tenant=tenant_a), pytest.raises(Exception, match="Unsupported lookup"):
        MailboxSettings.objects.filter(password__icontains="x").exists()


def rotate() -> str:
    out = StringIO()
    call_command("rotate_encryption_key", stdout=out)
    return out.getvalue()


def test_it_rotates_every_tenants_values_to_the_new_key(tenant_a, tenant_b, old_key, settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True
    save_mailbox(tenant_a)
    save_mailbox(tenant_b, password="other-tenant")
    secret = subscribe(tenant_a).secret
    new_key = generate_key()
    settings.HELPDESK_ENCRYPTION_KEYS = [new_key, old_key]

    report = rotate()

    assert "customers.MailboxSettings.password: 2 re-encrypted, 0 already" in report
    assert "helpdesk.WebhookSubscription.secret: 1 re-encrypted" in report
    for token in stored("customers_mailboxsettings", "password"):
        Fernet(new_key).decrypt(token.encode())  # raises unless the new key wrote it
    assert "Re-encrypted 0 values." in rotate()  # idempotent
    settings.HELPDESK_ENCRYPTION_KEYS = [new_key]  # the old key can go now
    assert read_back(tenant_a) == (PASSWORD, secret)
    with scope(tenant=tenant_b):
        assert MailboxSettings.objects.get().password == "other-tenant"


def test_it_stops_rotating_at_a_value_no_listed_key_reads(tenant_a, old_key, settings):
    save_mailbox(tenant_a)
    settings.HELPDESK_ENCRYPTION_KEYS = [generate_key()]  # the old key forgotten
    with pytest.raises(Exception, match="no listed key can decrypt"):
        rotate()


def test_it_refuses_to_start_in_production_without_a_key(settings):
    settings.HELPDESK_ENV = "production"
    settings.HELPDESK_ENCRYPTION_KEYS = []
    with pytest.raises(SystemCheckError, match=r"helpdesk\.E010"):
        call_command("check")
    settings.HELPDESK_ENCRYPTION_KEYS = [generate_key()]
    call_command("check", stdout=StringIO())


def test_it_refuses_a_malformed_key_without_showing_it(settings):
    settings.HELPDESK_ENCRYPTION_KEYS = [generate_key(), "not-a-fernet-key"]
    with pytest.raises(SystemCheckError, match=r"helpdesk\.E011") as raised:
        call_command("check")
    assert "key 2" in str(raised.value) and "not-a-fernet-key" not in str(raised.value)


@pytest.mark.django_db(transaction=True)
def test_it_decrypts_the_rows_when_migrated_back_and_encrypts_them_again(tenant_a, settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True
    save_mailbox(tenant_a)
    secret = subscribe(tenant_a).secret
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(
        [
            ("helpdesk", "0007_tenant_owned_no_reverse_accessor"),
            ("customers", "0007_tenant_owned_no_reverse_accessor"),
        ]
    )
    try:
        assert stored("customers_mailboxsettings", "password") == [PASSWORD]
        assert stored("helpdesk_webhooksubscription", "secret") == [secret]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
    [password_column] = stored("customers_mailboxsettings", "password")
    assert PASSWORD not in password_column and decrypt(password_column) == PASSWORD
    assert read_back(tenant_a) == (PASSWORD, secret)


def test_it_keeps_the_single_sign_on_client_secret_encrypted(tenant_a, admin_a):
    values = {"display_name": "Acme ID", "issuer": "https://id.acme.example", "client_id": "desk"}
    with scope(tenant=tenant_a):
        oidc_provider_update(
            tenant=tenant_a, actor=admin_a, values=values, client_secret="sso-S3cret"
        )
        assert OidcProvider.objects.get().client_secret == "sso-S3cret"
    [column] = stored("helpdesk_oidcprovider", "client_secret")
    assert "sso-S3cret" not in column and decrypt(column) == "sso-S3cret"
