"""The triggers every new desk starts with (seed 004), in the tenant's language: they do what
used to be built in, and the tenant's admin may now change, reorder or switch off each.

1. Route by category: a new ticket goes to the team its category names (自动派单).
2. Product bug → technical team: "客户反馈产品Bug时…同步触发技术团队的'问题复现-修复-验证'流程，
   48小时内反馈解决方案" — tagged, given to the technical team, a 48-hour target, its lead told.
3–5. Escalations on creation: a repeat complaint within the desk's window, a customer of a
   priority-service tier, angry wording. Each records the escalation with its reason, tells
   the lead, and gives an unassigned ticket to a certified senior.
6. Negative survey → improvement task: "将回访中收集的'负面反馈'自动生成待办任务，分配至对应
   部门" — a bad survey (scored 1 or 2, NPS 6 or less, or "not solved") gives the ticket's
   team lead the improvement deadline, due in 72 hours and tracked until the improvement
   message is recorded (the call back to the customer after a bad survey stays the surveys').
"""

from django.utils.translation import gettext as _
from django.utils.translation import override

from automations.models import Trigger
from automations.models import TriggerEvent as E
from automations.services import trigger_create
from helpdesk.models import Tenant
from helpdesk.services import team_create

TECHNICAL_TEAM = "Technical support 技术支持"
ANGRY_WORDS = (
    "投诉", "曝光", "律师", "起诉", "差评", "骗子", "欺骗", "消协", "12315", "太差", "气愤",
    "愤怒", "lawyer", "sue you", "scam", "unacceptable", "ridiculous", "furious", "worst",
    "disgusting", "fraud",
)  # fmt: skip
PRODUCT_BUG_WORDS = (
    "bug", "缺陷", "程序错误", "软件故障", "固件", "firmware", "死机", "闪退", "crash",
    "freezes",
)  # fmt: skip
IMPROVEMENT_HOURS = 72


def _when(field: str, operator: str, value) -> dict:
    return {"field": field, "operator": operator, "value": value}


def _escalate(reason: str) -> list[dict]:
    return [{"type": "escalate", "value": reason}]


def default_triggers(technical_team_id: int) -> list[dict]:
    """The definitions, named in the active language."""
    return [
        {
            "name": _("Route by category"),
            "event": E.TICKET_CREATED,
            "conditions": {
                "all": [_when("category", "is_set", None), _when("team", "is_empty", None)]
            },
            "actions": [{"type": "team_from_category", "value": None}],
        },
        {
            "name": _("Product bug → technical team"),
            "event": E.TICKET_CREATED,
            "conditions": {
                "all": [_when("subject_or_text", "contains_any", list(PRODUCT_BUG_WORDS))]
            },
            "actions": [
                {"type": "set_team", "value": technical_team_id},
                {"type": "add_tags", "value": ["product-bug"]},
                {"type": "sla_target", "value": {"resolution_hours": 48}},
                {
                    "type": "notify",
                    "value": {
                        "to": "team_lead",
                        "text": _(
                            "Reproduce, fix, verify: a solution to the customer within 48 hours."
                        ),
                    },
                },
            ],
        },
        {
            "name": _("Escalate a repeat complaint"),
            "event": E.TICKET_CREATED,
            "conditions": {"all": [_when("repeat_complaint", "is", True)]},
            "actions": _escalate(_("a repeat complaint within the repeat window")),
        },
        {
            "name": _("Escalate a priority-service customer"),
            "event": E.TICKET_CREATED,
            "conditions": {"all": [_when("is_vip", "is", True)]},
            "actions": _escalate(_("a priority-service customer")),
        },
        {
            "name": _("Escalate angry wording"),
            "event": E.TICKET_CREATED,
            "conditions": {"all": [_when("subject_or_text", "contains_any", list(ANGRY_WORDS))]},
            "actions": _escalate(_("angry wording")),
        },
        {
            "name": _("Negative survey → improvement task"),
            "event": E.SURVEY_ANSWERED,
            "conditions": {"all": [_when("bad_survey", "is", True)]},
            "actions": [{"type": "improvement_deadline", "value": IMPROVEMENT_HOURS}],
        },
    ]


def seed_default_triggers(tenant: Tenant) -> None:
    """Idempotent: a desk that has triggers already keeps them as they are. Precondition: the
    tenant's scope is active."""
    if Trigger.objects.exists():
        return
    team = team_create(tenant=tenant, name=TECHNICAL_TEAM, lead=None, members=[])
    with override(tenant.default_language):
        definitions = default_triggers(team.pk)
    for position, values in enumerate(definitions, start=1):
        trigger_create(tenant=tenant, actor=None, values={**values, "position": position * 10})
