"""Form widgets that render in Python.

Django renders every ``<option>`` of a select through the template engine; a queue page with
a dozen filter and bulk-action selects spent most of its time there. These widgets produce
the same markup (escaped as ``format_html`` does, by ``helpdesk.platform.markup``) without a
template
per option.
"""

from django import forms
from django.forms.utils import flatatt

from helpdesk.platform.markup import markup, markup_join


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        # Not get_context(): it builds a dict per option that this markup does not need.
        selected = {str(v) for v in self.format_value(value)}
        final_attrs = self.build_attrs(self.attrs, attrs)
        options = markup_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option_value, " selected" if str(option_value) in selected else "", label)
                for option_value, label in self._flat_choices()
            ),
        )
        return markup('<select name="{}"{}>{}</select>', name, flatatt(final_attrs), options)

    def _flat_choices(self):
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):  # an optgroup: flatten it
                yield from label
            else:
                yield ("" if option_value is None else option_value), label
