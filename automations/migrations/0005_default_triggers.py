"""Existing desks get the default triggers, built from their settings: their own angry words,
the VIP escalation switched off where they had switched it off, their improvement deadline
after a bad survey. A desk that has triggers already keeps them as they are. The next
migrations of ``sla`` and ``surveys`` drop those settings: the triggers hold them now."""

from django.db import migrations
from django.utils import timezone
from django.utils.translation import override

from automations.defaults import TECHNICAL_TEAM, default_triggers

VIP, ANGRY, NEGATIVE_SURVEY = 4, 5, 6  # positions in ``default_triggers``, from 1


def _words(text: str) -> list[str]:
    return [word.strip()[:50] for word in text.splitlines() if word.strip()]


def seed(apps, schema_editor):
    Tenant = apps.get_model("helpdesk", "Tenant")
    Team = apps.get_model("helpdesk", "Team")
    Trigger = apps.get_model("automations", "Trigger")
    Rules = apps.get_model("sla", "EscalationRules")
    SurveySettings = apps.get_model("surveys", "SurveySettings")
    for tenant in Tenant.objects.all():
        if Trigger._base_manager.filter(tenant_id=tenant.pk).exists():
            continue
        rules = Rules._base_manager.filter(tenant_id=tenant.pk).first()
        surveys = SurveySettings._base_manager.filter(tenant_id=tenant.pk).first()
        team = Team._base_manager.get_or_create(tenant_id=tenant.pk, name=TECHNICAL_TEAM)[0]
        with override(tenant.default_language):
            definitions = default_triggers(team.pk)
        now = timezone.now()
        for position, values in enumerate(definitions, start=1):
            active = True
            if rules is not None and position == VIP:
                active = rules.escalate_vip
            if rules is not None and position == ANGRY:
                words = _words(rules.angry_words)
                if words:
                    values["conditions"]["all"][0]["value"] = words
                active = bool(words)
            if surveys is not None and position == NEGATIVE_SURVEY:
                values["actions"][0]["value"] = surveys.improvement_hours
            Trigger._base_manager.create(
                tenant_id=tenant.pk,
                position=position * 10,
                is_active=active,
                created_at=now,
                updated_at=now,
                **values,
            )


class Migration(migrations.Migration):

    dependencies = [
        ("automations", "0004_follow_up_overdue_round_robin"),
        ("sla", "0005_ticket_target_override"),
        ("helpdesk", "0015_saml_provider"),
        ("surveys", "0003_follow_up_kind_task"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
