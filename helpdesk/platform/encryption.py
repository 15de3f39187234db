"""Secrets at rest: a model field whose column holds a Fernet token, never the plain value.

The keys come from ``settings.HELPDESK_ENCRYPTION_KEYS`` (``HELPDESK_ENCRYPTION_KEYS``,
comma-separated Fernet keys): the first encrypts, every one of them decrypts, so a new key is
put first and the old ones stay listed until ``manage.py rotate_encryption_key`` has
re-encrypted every value with the new one. Fernet authenticates as well as encrypts: a value
changed in the database, or one written under a key no longer listed, fails loudly on reading
instead of coming back as garbage.

One field class for every secret the service keeps (mailbox passwords, webhook signing
secrets, and the API keys of the channels to come): ``EncryptedTextField``.
"""

from collections.abc import Iterable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.migrations import RunPython
from django.db.models.functions import Cast
from django_scopes import scopes_disabled


def generate_key() -> str:
    """A new random key, as ``HELPDESK_ENCRYPTION_KEYS`` takes it."""
    return Fernet.generate_key().decode()


def configured_keys() -> tuple[str, ...]:
    return tuple(key.strip() for key in settings.HELPDESK_ENCRYPTION_KEYS if key.strip())


def key_errors(keys: Iterable[str]) -> list[int]:
    """The positions (from 1) of the listed keys that are not Fernet keys; by position, so an
    error message never shows any part of a key."""
    bad = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            bad.append(position)
    return bad


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("HELPDESK_ENCRYPTION_KEYS is empty; see docs/configuration.md.")
    return MultiFernet([Fernet(key) for key in keys])


def _fernet() -> MultiFernet:
    # Keyed on the settings' value, so a test (or a reload) that changes the keys is obeyed.
    return _fernet_for(configured_keys())


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The plain value; ``InvalidToken`` when no listed key wrote it or it was altered."""
    return _fernet().decrypt(token.encode()).decode()


def is_current(token: str) -> bool:
    """True when the first (encrypting) key wrote ``token``: rotation leaves it alone."""
    try:
        Fernet(configured_keys()[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    """``token`` under the first key (decrypted with whichever listed key wrote it)."""
    return _fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; Python code sees the plain value.

    The empty string is stored as it is (a secret that was never set reveals nothing). Every
    encryption uses a fresh nonce, so the same value never gives the same token: the column
    cannot be searched or compared, and lookups other than ``isnull`` are refused.
    """

    description = "Text encrypted at rest (Fernet)"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name):
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name):
        return None


def encrypted_columns() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every concrete model field of this class, for rotation and checks."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def reencrypt_column(model: type[models.Model], field: EncryptedTextField) -> tuple[int, int]:
    """Re-encrypt under the first key every value of the column that another key wrote;
    returns (re-encrypted, already current). Idempotent: a second run re-encrypts nothing.

    Precondition: outside any tenant scope (``helpdesk.tenancy.across_tenants``). A value
    someone changes meanwhile is left alone (the update matches the token it read), since
    the change was written with the first key already.
    """
    # Cast to a plain text field reads the stored token instead of the decrypted value.
    tokens = model._base_manager.annotate(token=Cast(field.name, models.TextField()))
    stored = tokens.exclude(token="").exclude(token__isnull=True)  # nosec B106 - empty, no secret
    rotated = current = 0
    for pk, token in stored.values_list("pk", "token").iterator():
        if is_current(token):
            current += 1
            continue
        rotated += tokens.filter(pk=pk, token=token).update(**{field.name: decrypt(token)})
    return rotated, current


def encrypt_existing_values(app_label: str, model_name: str, field_name: str) -> RunPython:
    """A data migration step: encrypt the column's plain values; backwards, decrypt them.

    Runs between two ``AlterField`` steps, while the historical field is a plain text field, so
    it reads and writes the column as it is. Every tenant's rows: migrations run outside any
    tenant scope (and PostgreSQL's row-level security lets them see every row).
    """

    def convert(apps, schema_editor, change) -> None:
        model = apps.get_model(app_label, model_name)
        with scopes_disabled():
            rows = model._base_manager.exclude(**{field_name: ""}).values_list("pk", field_name)
            for pk, value in list(rows):
                model._base_manager.filter(pk=pk).update(**{field_name: change(value)})

    return RunPython(
        lambda apps, schema_editor: convert(apps, schema_editor, encrypt),
        lambda apps, schema_editor: convert(apps, schema_editor, decrypt),
    )
