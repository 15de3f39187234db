"""Settings pages of triggers and automations, for tenant admins: the list in running order
(switch on and off, copy, move up and down or drag), the builder with no code to write, and a
preview of which of the last 500 tickets a rule's conditions match."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from automations import builder, selectors, services
from automations.conditions import DefinitionError, check_conditions, matches
from automations.facts import Facts
from automations.forms import ActionRows, ConditionRows, RuleForm
from automations.models import Automation, Trigger
from helpdesk.auth import member_required
from helpdesk.models import Role
from tickets.models import Ticket

PREVIEW_TICKETS = 500
PREVIEW_SHOWN = 20
KINDS = {"triggers": Trigger, "automations": Automation}


def _kind(kind: str):
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


def _rule(request: HttpRequest, model, pk: int):
    return selectors.rule_get_for_member(member=request.membership, model=model, pk=pk)


@member_required(Role.ADMIN)
def rule_list(request: HttpRequest, kind: str) -> HttpResponse:
    model = _kind(kind)
    now = timezone.now()
    firings = "firings" if model is Trigger else "runs"
    rules = selectors.rules_for_member(member=request.membership, model=model)
    rules = rules.order_by("position", "pk").annotate(
        fired_7=Count(
            firings, filter=Q(**{f"{firings}__created_at__gte": now - timedelta(days=7)})
        ),
        fired_30=Count(
            firings, filter=Q(**{f"{firings}__created_at__gte": now - timedelta(days=30)})
        ),
    )
    return render(
        request,
        "automations/list.html",
        {"kind": kind, "rules": rules, "timed": kind != "triggers"},
    )


@member_required(Role.ADMIN)
@require_POST
def rule_switch(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = _kind(kind)
    rule = _rule(request, model, pk)
    services.rule_switch(
        tenant=request.tenant, actor=request.membership, rule=rule, active=not rule.is_active
    )
    return redirect("automations:list", kind=kind)


@member_required(Role.ADMIN)
@require_POST
def rule_copy(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = _kind(kind)
    copy = services.rule_copy(
        tenant=request.tenant, actor=request.membership, rule=_rule(request, model, pk)
    )
    messages.success(request, _("Copied, switched off: edit it, then switch it on."))
    return redirect("automations:edit", kind=kind, pk=copy.pk)


@member_required(Role.ADMIN)
@require_POST
def rule_reorder(request: HttpRequest, kind: str) -> HttpResponse:
    """The new order, from the drag (``order``: ids in order) or a move button (``move``: an
    id, ``direction``: up or down)."""
    model = _kind(kind)
    rules = selectors.rules_for_member(member=request.membership, model=model)
    ids = list(rules.order_by("position", "pk").values_list("pk", flat=True))
    if request.POST.get("order"):
        try:
            ids = [int(part) for part in request.POST["order"].split(",") if part.strip()]
        except ValueError:
            return HttpResponse(_("The order must list ids."), status=400)
    elif request.POST.get("move", "").isdigit():
        moved = int(request.POST["move"])
        if moved in ids:
            at = ids.index(moved)
            to = at - 1 if request.POST.get("direction") == "up" else at + 1
            if 0 <= to < len(ids):
                ids[at], ids[to] = ids[to], ids[at]
    services.rules_reorder(
        tenant=request.tenant, actor=request.membership, model=model, ordered_ids=ids
    )
    if request.htmx:
        return HttpResponse(status=204)
    return redirect("automations:list", kind=kind)


@member_required(Role.ADMIN)
@require_POST
def rule_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = _kind(kind)
    services.rule_delete(
        tenant=request.tenant, actor=request.membership, rule=_rule(request, model, pk)
    )
    messages.success(request, _("Deleted."))
    return redirect("automations:list", kind=kind)


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    model = _kind(kind)
    rule = _rule(request, model, pk) if pk else None
    timed = model is Automation
    if request.method == "GET":
        form, all_rows, any_rows, actions = _forms_for(rule, timed)
        return _page(request, kind, rule, form, all_rows, any_rows, actions)
    form = RuleForm(request.POST, timed=timed)
    all_rows = ConditionRows(request.POST, prefix="all")
    any_rows = ConditionRows(request.POST, prefix="any")
    actions = ActionRows(request.POST, prefix="actions")
    valid = all(f.is_valid() for f in (form, all_rows, any_rows, actions))
    definition = _definition(all_rows, any_rows, actions) if valid else None
    if definition is None:
        return _page(request, kind, rule, form, all_rows, any_rows, actions, status=400)
    conditions, rule_actions, where = definition
    if "preview" in request.POST:
        preview = _preview(conditions, all_rows, any_rows, where)
        return _page(request, kind, rule, form, all_rows, any_rows, actions, preview=preview)
    values = {**form.cleaned_data, "conditions": conditions, "actions": rule_actions}
    try:
        saved = _save(request, model, rule, values)
    except ValidationError as error:
        _attach(error.message_dict, form, all_rows, any_rows, actions, where)
        return _page(request, kind, rule, form, all_rows, any_rows, actions, status=400)
    messages.success(request, _("Saved."))
    return redirect("automations:edit", kind=kind, pk=saved.pk)


def _forms_for(rule, timed: bool):
    if rule is None:
        return (
            RuleForm(timed=timed),
            ConditionRows(prefix="all"),
            ConditionRows(prefix="any"),
            ActionRows(prefix="actions"),
        )
    initial = {"name": rule.name, "is_active": rule.is_active, "position": rule.position}
    if not timed:
        initial.update(event=rule.event, stop_processing=rule.stop_processing)
    conditions = rule.conditions or {}
    return (
        RuleForm(initial=initial, timed=timed),
        ConditionRows(
            prefix="all", initial=[builder.condition_to_row(c) for c in conditions.get("all", [])]
        ),
        ConditionRows(
            prefix="any", initial=[builder.condition_to_row(c) for c in conditions.get("any", [])]
        ),
        ActionRows(prefix="actions", initial=[builder.action_to_row(a) for a in rule.actions]),
    )


def _definition(all_rows, any_rows, actions):
    """The rows as a definition, and where each of its items came from (path → the row's
    form) to put the service's errors back on the right row; None when a row could not be
    read (its error is on the row)."""
    where: dict[str, object] = {}
    conditions: dict[str, list] = {"all": [], "any": []}
    failed = False
    for group, rows in (("all", all_rows), ("any", any_rows)):
        for row in rows:
            data = row.cleaned_data
            if not data.get("field"):
                continue
            try:
                item = builder.condition_from_row(data["field"], data["operator"], data["value"])
            except builder.RowError as error:
                row.add_error("value", str(error))
                failed = True
                continue
            where[f"conditions.{group}[{len(conditions[group])}]"] = row
            conditions[group].append(item)
    rule_actions = []
    for row in actions:
        data = row.cleaned_data
        if not data.get("type"):
            continue
        try:
            item = builder.action_from_row(data["type"], data["value"], data["text"])
        except builder.RowError as error:
            row.add_error("value", str(error))
            failed = True
            continue
        where[f"actions[{len(rule_actions)}]"] = row
        rule_actions.append(item)
    return None if failed else (conditions, rule_actions, where)


def _save(request, model, rule, values: dict):
    tenant, actor = request.tenant, request.membership
    if rule is None:
        return services.rule_create(tenant=tenant, actor=actor, model=model, values=values)
    return services.rule_update(tenant=tenant, actor=actor, rule=rule, values=values)


def _attach(errors: dict, form, all_rows, any_rows, actions, where: dict) -> None:
    """Put each error of the checked definition on the row (and column) it names."""
    for path, problems in errors.items():
        message = " ".join(problems)
        row_path, _dot, column = path.rpartition(".")
        if path in where:  # the row as a whole
            where[path].add_error(None, message)
        elif row_path in where:
            name = {"field": "field", "operator": "operator", "type": "type"}.get(column, "value")
            where[row_path].add_error(name, message)
        elif path in form.fields:
            form.add_error(path, message)
        else:
            form.add_error(None, message)


def _preview(conditions: dict, all_rows, any_rows, where: dict) -> dict:
    """Which of the tenant's last 500 tickets the conditions match now."""
    try:
        checked = check_conditions(conditions)
    except DefinitionError as error:
        return {"errors": list(error.errors.values())}
    tickets = Ticket.objects.select_related("tenant", "customer__tier").order_by("-pk")
    tickets = list(tickets[:PREVIEW_TICKETS])
    now = timezone.now()
    matched = [t for t in tickets if matches(checked, Facts(t, now=now))]
    return {"looked_at": len(tickets), "count": len(matched), "shown": matched[:PREVIEW_SHOWN]}


def _page(request, kind, rule, form, all_rows, any_rows, actions, *, preview=None, status=200):
    return render(
        request,
        "automations/form.html",
        {
            "kind": kind,
            "rule": rule,
            "timed": kind != "triggers",
            "form": form,
            "all_rows": all_rows,
            "any_rows": any_rows,
            "action_rows": actions,
            "preview": preview,
            "list_url": reverse("automations:list", kwargs={"kind": kind}),
        },
        status=status,
    )
