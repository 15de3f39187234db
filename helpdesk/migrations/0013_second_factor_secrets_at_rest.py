"""Authenticators move from django-otp's ``TOTPDevice`` (seed in plain hex) to
``Authenticator`` (seed encrypted), keeping their state, so nobody has to enrol again; recovery
codes are replaced in place by their keyed hashes (helpdesk.two_factor.recovery_code_stored)."""

from django.db import migrations
from django.utils.crypto import salted_hmac

RECOVERY_HASH_SALT = "helpdesk.two_factor.recovery_code"
COPIED = (
    "user_id",
    "name",
    "confirmed",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "created_at",
    "last_used_at",
)


def seal(apps, schema_editor):
    totp_device = apps.get_model("otp_totp", "TOTPDevice")
    authenticator = apps.get_model("helpdesk", "Authenticator")
    for device in totp_device.objects.all().iterator():
        values = {name: getattr(device, name) for name in COPIED}
        authenticator.objects.create(secret=device.key, **values)
    totp_device.objects.all().delete()

    static_token = apps.get_model("otp_static", "StaticToken")
    for token in static_token.objects.all().iterator():
        digest = salted_hmac(RECOVERY_HASH_SALT, token.token, algorithm="sha256")
        token.token = digest.hexdigest()[:16]
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0012_authenticator"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    # Not reversible: the hashes cannot give the codes back.
    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
