"""FastSelect renders what Django's Select renders, without a template per option."""

from django import forms

from helpdesk.platform.widgets import FastSelect


class Pick(forms.Form):
    colour = forms.ChoiceField(
        choices=[("", "—"), ("r", "Red <b>"), ("g", "Green & co")], widget=FastSelect
    )


def test_it_marks_the_chosen_option_and_escapes_labels():
    html = str(Pick({"colour": "g"})["colour"])
    assert html.startswith('<select name="colour"') and 'id="id_colour"' in html
    assert '<option value="g" selected>Green &amp; co</option>' in html
    assert "Red &lt;b&gt;" in html and "<b>" not in html
    assert html.count("selected") == 1


def test_it_keeps_the_label_association_and_required_attribute():
    bound = Pick()["colour"]
    assert 'for="id_colour"' in bound.label_tag() and "required" in str(bound)
