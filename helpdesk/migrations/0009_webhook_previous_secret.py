"""A webhook's previous secret, still signing for a grace period after a rotation."""

from django.db import migrations, models

import helpdesk.platform.encryption


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0008_webhook_secret_encrypted"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhooksubscription",
            name="previous_secret",
            field=helpdesk.platform.encryption.EncryptedTextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="webhooksubscription",
            name="previous_secret_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
