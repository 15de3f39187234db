"""Webhook signing secrets encrypted at rest."""

from django.db import migrations, models

import helpdesk.platform.encryption
from helpdesk.platform.encryption import encrypt_existing_values


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0007_tenant_owned_no_reverse_accessor"),
    ]

    operations = [
        # Wider first (a token is longer than the secret), then encrypt, then the field class
        # that decrypts on reading. Backwards the same steps undo each other: nothing is lost.
        migrations.AlterField(
            model_name="webhooksubscription",
            name="secret",
            field=models.TextField(),
        ),
        encrypt_existing_values("helpdesk", "WebhookSubscription", "secret"),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="secret",
            field=helpdesk.platform.encryption.EncryptedTextField(),
        ),
    ]
