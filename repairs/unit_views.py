"""The unit page: a registered unit with its whole history (tickets, audit events, contracts
and entitlement, parts and quotes with costs). It reads tickets and repairs, so it is served
from this floor; the catalogue pages below link to it by its URL name (``unit_detail``)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from helpdesk.auth import member_required
from helpdesk.platform.view_helpers import in_tenant_time_zone
from products.forms import WarrantyOverrideForm
from products.selectors import unit_get
from repairs.unit_history import unit_history
from tickets.attachments import attachment_response

ACTION_LABELS = {
    "registered": _("registered the unit"),
    "changed": _("changed"),
    "warranty_overridden": _("overrode the warranty end"),
    "warranty_override_lifted": _("went back to the product's warranty period"),
}


@member_required()
@require_GET
@in_tenant_time_zone
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    history = unit_history(unit=unit_get(pk=pk), member=request.membership)
    context = {
        "unit": history.unit,
        "history": history,
        "events": [(row, ACTION_LABELS.get(row.action, row.action)) for row in history.events],
        "warranty_form": WarrantyOverrideForm(
            initial={"until": history.unit.warranty_override_until}
        ),
    }
    return render(request, "repairs/unit_detail.html", context)


@member_required()
@require_GET
def unit_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's purchase invoice as uploaded, served as user uploads are (no sniffing, a
    sandboxing policy); 404 when there is none."""
    unit = unit_get(pk=pk)
    if not unit.invoice:
        raise Http404
    return attachment_response(unit.invoice, name=unit.invoice_name or "invoice")
