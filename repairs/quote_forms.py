"""Forms of the quote pages: send a quote (agent), decline one (customer), the rates (admin)."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from repairs.models import RepairSettings
from repairs.quotes import MAX_LABOUR_HOURS


class QuoteSendForm(forms.Form):
    labour_hours = forms.DecimalField(
        label=_("Labour hours"),
        min_value=Decimal("0"),
        max_value=MAX_LABOUR_HOURS,
        max_digits=6,
        decimal_places=2,
        initial=Decimal("0"),
    )
    on_site = forms.BooleanField(label=_("Work on site (call-out fee)"), required=False)
    note = forms.CharField(
        label=_("Note to the customer"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QuoteDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you decline? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RepairSettingsForm(forms.ModelForm):
    class Meta:
        model = RepairSettings
        fields = ["currency", "labour_rate_per_hour", "callout_fee"]

    def clean_currency(self) -> str:
        code = self.cleaned_data["currency"].strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValidationError(_("Enter a three-letter currency code, such as CNY."))
        return code
