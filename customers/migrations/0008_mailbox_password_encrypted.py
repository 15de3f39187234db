"""Mailbox passwords encrypted at rest."""

from django.db import migrations, models

import helpdesk.platform.encryption
from helpdesk.platform.encryption import encrypt_existing_values


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_tenant_owned_no_reverse_accessor"),
    ]

    operations = [
        # Wider first (a token is longer than the password), then encrypt, then the field class
        # that decrypts on reading. Backwards the same steps undo each other: nothing is lost.
        migrations.AlterField(
            model_name="mailboxsettings",
            name="password",
            field=models.TextField(verbose_name="password"),
        ),
        encrypt_existing_values("customers", "MailboxSettings", "password"),
        migrations.AlterField(
            model_name="mailboxsettings",
            name="password",
            field=helpdesk.platform.encryption.EncryptedTextField(verbose_name="password"),
        ),
    ]
