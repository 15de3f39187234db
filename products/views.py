"""Agent pages of the catalogue and the installed base: products (everyone reads, admins and
managers change), units (list, register, edit) and a unit's warranty override.

The unit page itself shows tickets, parts and quotes, so it lives above them
(``repairs.unit_views``); these pages link to it by its URL name. Thin: reads through
``products.selectors`` (404 for another tenant's id), every write one service call whose
``ValidationError`` lands on the form's field.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from helpdesk.auth import member_required
from helpdesk.models import Role
from helpdesk.platform.view_helpers import service_error_into_form
from products import selectors, services
from products.forms import (
    ProductFilterForm,
    ProductForm,
    UnitEditForm,
    UnitFilterForm,
    UnitRegisterForm,
    WarrantyOverrideForm,
)

# Who may change the catalogue; agents and everyone else read it.
CATALOGUE_EDITORS = (Role.ADMIN, Role.MANAGER)
PAGE_SIZE = 50


def _can_edit_catalogue(request: HttpRequest) -> bool:
    return request.membership.role in CATALOGUE_EDITORS


# --- catalogue -----------------------------------------------------------------------------------


@member_required()
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET, lines=selectors.product_lines())
    products = selectors.product_list(**form.filters())[:PAGE_SIZE]
    context = {"form": form, "products": products, "can_edit": _can_edit_catalogue(request)}
    return render(request, "products/product_list.html", context)


@member_required()
@require_GET
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(pk=pk)
    units = selectors.unit_list(product_id=product.pk)[:PAGE_SIZE]
    context = {"product": product, "units": units, "can_edit": _can_edit_catalogue(request)}
    return render(request, "products/product_detail.html", context)


@member_required(*CATALOGUE_EDITORS)
@require_http_methods(["GET", "POST"])
def product_new(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST or None, initial={"warranty_months": 12, "is_active": True})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("is_active")
        try:
            product = services.product_create(
                tenant=request.tenant, actor=request.membership, **data
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Product added to the catalogue."))
            return redirect("product_detail", pk=product.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "products/product_form.html", {"form": form}, status=status)


@member_required(*CATALOGUE_EDITORS)
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(pk=pk)
    if request.method != "POST":
        form = ProductForm(initial=ProductForm.initial_for(product))
        return render(request, "products/product_form.html", {"form": form, "product": product})
    form = ProductForm(request.POST)
    if form.is_valid():
        try:
            services.product_update(product=product, actor=request.membership, **form.cleaned_data)
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Product saved."))
            return redirect("product_detail", pk=product.pk)
    context = {"form": form, "product": product}
    return render(request, "products/product_form.html", context, status=400)


# --- installed base ------------------------------------------------------------------------------


@member_required()
@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    form = UnitFilterForm(request.GET)
    units = selectors.unit_list(**form.filters())[:PAGE_SIZE]
    return render(request, "products/unit_list.html", {"form": form, "units": units})


@member_required()
@require_http_methods(["GET", "POST"])
def unit_new(request: HttpRequest) -> HttpResponse:
    initial = {"customer": request.GET.get("customer", "")[:200]}
    form = UnitRegisterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_register(
                tenant=request.tenant, actor=request.membership, **form.service_kwargs()
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Unit registered."))
            return redirect("unit_detail", pk=unit.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "products/unit_form.html", {"form": form}, status=status)


@member_required()
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(pk=pk)
    if request.method != "POST":
        form = UnitEditForm(initial=UnitEditForm.initial_for(unit))
        return render(request, "products/unit_form.html", {"form": form, "unit": unit})
    form = UnitEditForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.unit_update(unit=unit, actor=request.membership, **form.service_kwargs())
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Unit saved."))
            return redirect("unit_detail", pk=unit.pk)
    return render(request, "products/unit_form.html", {"form": form, "unit": unit}, status=400)


@member_required()
@require_http_methods(["GET", "POST"])
def unit_warranty(request: HttpRequest, pk: int) -> HttpResponse:
    """The override form (the unit page embeds it); here again with its errors."""
    unit = selectors.unit_get(pk=pk)
    form = WarrantyOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_warranty_override(
                unit=unit,
                actor=request.membership,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Warranty end saved."))
            return redirect("unit_detail", pk=unit.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "unit": unit}
    return render(request, "products/unit_warranty.html", context, status=status)
