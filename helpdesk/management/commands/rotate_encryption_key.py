from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError

from helpdesk.platform.encryption import encrypted_columns, reencrypt_column
from helpdesk.tenancy import across_tenants


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value (all tenants) with the first key of "
        "HELPDESK_ENCRYPTION_KEYS. Idempotent; run it after putting a new key first, and drop "
        "the old key from the list only once it reports nothing left to re-encrypt."
    )

    def handle(self, *args, **options):
        total = 0
        # Every tenant's rows: a key is shared by all tenants, so all must move to the new one.
        with across_tenants():
            for model, field in encrypted_columns():
                label = f"{model._meta.label}.{field.name}"
                try:
                    rotated, current = reencrypt_column(model, field)
                except InvalidToken as error:
                    raise CommandError(
                        f"{label}: a value no listed key can decrypt; list the key it was "
                        "written with again (after the new first key) and run this again."
                    ) from error
                total += rotated
                self.stdout.write(
                    f"{label}: {rotated} re-encrypted, {current} already under the first key"
                )
        self.stdout.write(f"Re-encrypted {total} values.")
