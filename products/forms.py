"""Forms of the catalogue and installed-base pages. They parse; ``products.services`` decides
(duplicate serials, dates), and its ``ValidationError`` lands on the field it names."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Customer, Organization
from customers.selectors import customer_list
from products.models import Product, Unit, UnitStatus

MAX_WARRANTY_MONTHS = 600
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProductFilterForm(forms.Form):
    """GET filters of the catalogue; an invalid value filters nothing, never an error page."""

    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": gettext_lazy("Model code or name")}
        ),
    )
    line = forms.ChoiceField(label=gettext_lazy("Product line"), required=False)

    def __init__(self, *args, lines: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [("", _("Any product line")), *((x, x) for x in lines)]

    def filters(self) -> dict:
        if not self.is_valid():
            return {"query": "", "product_line": ""}
        return {"query": self.cleaned_data["q"], "product_line": self.cleaned_data["line"]}


class ProductForm(forms.Form):
    model_code = forms.CharField(label=gettext_lazy("Model code"), max_length=64)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    name_zh = forms.CharField(label=gettext_lazy("Chinese name"), max_length=200, required=False)
    product_line = forms.CharField(
        label=gettext_lazy("Product line"), max_length=100, required=False
    )
    warranty_months = forms.IntegerField(
        label=gettext_lazy("Warranty (months)"), min_value=0, max_value=MAX_WARRANTY_MONTHS
    )
    covers_parts = forms.BooleanField(label=gettext_lazy("Warranty covers parts"), required=False)
    covers_labour = forms.BooleanField(label=gettext_lazy("Warranty covers labour"), required=False)
    covers_on_site = forms.BooleanField(
        label=gettext_lazy("Warranty covers on-site service"), required=False
    )
    service_notes = forms.CharField(
        label=gettext_lazy("Service notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    @staticmethod
    def initial_for(product: Product) -> dict:
        return {name: getattr(product, name) for name in ProductForm.base_fields}


class UnitFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": gettext_lazy("Serial, customer name or phone")}
        ),
    )
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"),
        queryset=Product.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any product"),
    )
    warranty = forms.ChoiceField(
        label=gettext_lazy("Warranty"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("in", gettext_lazy("In warranty")),
            ("out", gettext_lazy("Out of warranty")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.order_by("model_code")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        product, warranty = self.cleaned_data["product"], self.cleaned_data["warranty"]
        return {
            "query": self.cleaned_data["q"],
            "product_id": product.pk if product else None,
            "in_warranty": {"in": True, "out": False}.get(warranty),
        }


class CustomerPickField(forms.CharField):
    """The owner, by e-mail address, or by a name or phone that matches exactly one customer."""

    def clean(self, value) -> Customer:
        text = super().clean(value).strip()
        exact = Customer.objects.filter(merged_into__isnull=True, email__iexact=text)
        found = list(exact[:2]) or list(customer_list(query=text)[:2])
        if not found:
            raise forms.ValidationError(_("No customer has this e-mail address, name or phone."))
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several customers match; give the e-mail address of the owner.")
            )
        return found[0]


class UnitFieldsForm(forms.Form):
    """What registration and editing share."""

    customer = CustomerPickField(
        label=gettext_lazy("Owner"),
        max_length=200,
        help_text=gettext_lazy("The customer's e-mail address, or a name or phone only they have."),
    )
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Organization"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=gettext_lazy("Left empty, the owner's organization."),
    )
    purchased_on = forms.DateField(label=gettext_lazy("Purchase date"), widget=DATE)
    purchase_channel = forms.CharField(
        label=gettext_lazy("Purchase channel / dealer"), max_length=200, required=False
    )
    installation_address = forms.CharField(
        label=gettext_lazy("Installation address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    installed_on = forms.DateField(
        label=gettext_lazy("Installation date"), required=False, widget=DATE
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.order_by("name")

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["organization"] = data["organization"] or data["customer"].organization
        return data


class UnitRegisterForm(UnitFieldsForm):
    serial = forms.CharField(label=gettext_lazy("Serial number"), max_length=200)
    product = forms.ModelChoiceField(label=gettext_lazy("Product"), queryset=Product.objects.none())
    field_order = ["serial", "product", "customer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by(
            "model_code"
        )


class UnitEditForm(UnitFieldsForm):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=UnitStatus.choices)
    invoice = forms.FileField(
        label=gettext_lazy("Invoice"),
        required=False,
        help_text=gettext_lazy("A PDF, PNG or JPEG file; replaces the stored one."),
    )

    @staticmethod
    def initial_for(unit: Unit) -> dict:
        names = ["organization", "purchased_on", "purchase_channel", "installation_address"]
        initial = {name: getattr(unit, name) for name in names}
        initial.update(
            customer=unit.customer.email or unit.customer.name,
            installed_on=unit.installed_on,
            status=unit.status,
        )
        return initial

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        if data["invoice"] is None:
            del data["invoice"]
        return data


class WarrantyOverrideForm(forms.Form):
    until = forms.DateField(
        label=gettext_lazy("Warranty until"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("Leave empty to go back to the product's period."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)
