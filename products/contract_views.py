"""Pages of service plans and contracts: admins and managers edit, agents read.

Thin: the forms check the input's shape, ``products.services`` validates and writes (one
transaction, audited), ``products.selectors`` reads. Another tenant's plan or contract is a
404 (the selectors read through the scope)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helpdesk.auth import member_required
from helpdesk.models import Role
from products import selectors, services
from products.contract_forms import ContractFilterForm, ServiceContractForm, ServicePlanForm
from products.models import ServiceContract, ServicePlan

EDIT_ROLES = (Role.ADMIN, Role.MANAGER)
READ_ROLES = (*EDIT_ROLES, Role.TEAM_LEAD, Role.AGENT)
LIST_LIMIT = 200


def _can_edit(request: HttpRequest) -> bool:
    return request.membership.role in EDIT_ROLES


@member_required(*READ_ROLES)
def plan_list(request: HttpRequest) -> HttpResponse:
    context = {"plans": selectors.service_plans(), "can_edit": _can_edit(request)}
    return render(request, "products/plan_list.html", context)


@member_required(*EDIT_ROLES)
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = selectors.service_plan_get(pk=pk) if pk else ServicePlan(tenant=request.tenant)
    form = ServicePlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            _save_plan(request, plan, form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Service plan saved."))
            return redirect("service_plans")
    status = 400 if form.errors else 200
    context = {"form": form, "plan": plan}
    return render(request, "products/plan_form.html", context, status=status)


def _save_plan(request: HttpRequest, plan: ServicePlan, values: dict) -> ServicePlan:
    common = {"tenant": request.tenant, "actor": request.membership}
    if plan.pk is None:
        return services.service_plan_create(**common, **values)
    return services.service_plan_update(**common, plan=plan, **values)


@member_required(*READ_ROLES)
def contract_list(request: HttpRequest) -> HttpResponse:
    form = ContractFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    contracts = selectors.service_contracts(
        serial=filters.get("serial") or "",
        organization=filters.get("organization"),
        state=filters.get("state") or "",
    )
    context = {
        "filter_form": form,
        "contracts": contracts[:LIST_LIMIT],
        "limit": LIST_LIMIT,
        "can_edit": _can_edit(request),
    }
    return render(request, "products/contract_list.html", context)


@member_required(*EDIT_ROLES)
@require_http_methods(["GET", "POST"])
def contract_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk:
        contract = selectors.service_contract_get(pk=pk)
    else:
        contract = ServiceContract(tenant=request.tenant)
    form = ServiceContractForm(request.POST or None, instance=contract)
    if request.method == "POST" and form.is_valid():
        try:
            _save_contract(request, contract, form.service_values())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Service contract saved."))
            return redirect("service_contracts")
    status = 400 if form.errors else 200
    context = {"form": form, "contract": contract}
    return render(request, "products/contract_form.html", context, status=status)


def _save_contract(request: HttpRequest, contract: ServiceContract, values: dict):
    common = {"tenant": request.tenant, "actor": request.membership}
    if contract.pk is None:
        return services.service_contract_create(**common, **values)
    return services.service_contract_update(**common, contract=contract, **values)


# The service names model fields; the contract form types the unit as its serial.
FORM_FIELD_OF = {"unit": "unit_serial"}


def _add_errors(form, error: ValidationError) -> None:
    for name, messages_ in error.message_dict.items():
        field = FORM_FIELD_OF.get(name, name)
        form.add_error(field if field in form.fields else None, messages_)
