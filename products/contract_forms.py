"""Forms of the service plan and contract pages. They check the shape of the input; the
services check the rules (one of unit or organisation, dates, unique number)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Organization
from products.models import ServiceContract, ServicePlan, normalise_serial
from products.selectors import CONTRACT_EXPIRED, CONTRACT_IN_FORCE, unit_find_by_serial
from products.services import CONTRACT_FIELDS, PLAN_FIELDS


class ServicePlanForm(forms.ModelForm):
    class Meta:
        model = ServicePlan
        fields = list(PLAN_FIELDS)


class ServiceContractForm(forms.ModelForm):
    """The unit is typed by its serial number, as on the label; the organisation is picked."""

    unit_serial = forms.CharField(
        label=_("Unit serial number"),
        required=False,
        max_length=64,
        help_text=_("Leave empty for a contract that covers an organisation."),
    )
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=ServicePlan.objects.none())
    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none(), required=False
    )

    class Meta:
        model = ServiceContract
        fields = [
            "plan",
            "reference",
            "unit_serial",
            "organization",
            "starts_on",
            "ends_on",
            "notes",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read here, not at import: the querysets need the request's tenant scope.
        self.fields["plan"].queryset = ServicePlan.objects.all()
        self.fields["organization"].queryset = Organization.objects.all()
        if self.instance.unit_id:
            self.fields["unit_serial"].initial = self.instance.unit.serial

    def clean_unit_serial(self):
        serial = normalise_serial(self.cleaned_data["unit_serial"])
        if not serial:
            return None
        unit = unit_find_by_serial(serial=serial)
        if unit is None:
            raise forms.ValidationError(_("No unit with this serial number is registered."))
        return unit

    def _post_clean(self):
        # The service validates and writes; the model's own checks would run half of them
        # against a half-built instance.
        pass

    def service_values(self) -> dict:
        values = {name: self.cleaned_data.get(name) for name in CONTRACT_FIELDS if name != "unit"}
        return {**values, "unit": self.cleaned_data.get("unit_serial")}


class ContractFilterForm(forms.Form):
    serial = forms.CharField(label=_("Unit serial number"), required=False, max_length=64)
    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none(), required=False
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("Any")),
            (CONTRACT_IN_FORCE, _("In force today")),
            (CONTRACT_EXPIRED, _("Expired")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.all()
