"""Banned phrases and reply templates (macros) are audited with who, what, old and new."""

from django.urls import reverse
from django_scopes import scope

from helpdesk.models import ConfigurationEvent
from knowledge import services
from knowledge.models import BannedPhrase


def test_it_audits_banned_phrases_added_and_removed(tenant_a, manager_a):
    from tests.conftest import client_for

    client = client_for(manager_a)
    client.post(reverse("knowledge:banned_phrases"), {"phrase": "calm down"})
    with scope(tenant=tenant_a):
        banned = BannedPhrase.objects.get(phrase="calm down")
        services.banned_phrase_remove(banned=banned, actor=manager_a)
        events = list(ConfigurationEvent.objects.filter(target_type="knowledge.bannedphrase"))
    assert [(e.action, e.actor, e.old_value, e.new_value) for e in events] == [
        ("created", manager_a, "", "calm down"),
        ("deleted", manager_a, "calm down", ""),
    ]


def test_it_audits_a_macro_change_and_its_review(tenant_a, agent_a, manager_a):
    with scope(tenant=tenant_a):
        fields = services.TemplateFields(name="Refund", body="We refund you.", scope="tenant")
        template = services.reply_template_create(tenant=tenant_a, owner=agent_a, fields=fields)
        changed = services.TemplateFields(
            name="Refund", body="We refund you.", scope="tenant", set_priority="high"
        )
        services.reply_template_update(template=template, actor=manager_a, fields=changed)
        services.reply_template_review(template=template, actor=manager_a, approve=True)
        events = list(
            ConfigurationEvent.objects.filter(target_type="knowledge.replytemplate").order_by("pk")
        )
    assert [(e.action, e.field, e.old_value, e.new_value) for e in events] == [
        ("created", "", "", "Refund"),
        ("changed", "set_priority", "", "high"),
        ("approved", "approval_status", "pending", "approved"),
    ]
    assert events[0].actor == agent_a and events[2].actor == manager_a
