"""Output serializers derive their fields once per class, input serializers copy theirs
cheaply; every instance still owns its fields."""

import json

import pytest
from django_scopes import scope
from rest_framework import serializers

from sla.api import TicketDetailSerializer, TicketSerializer
from tickets.api import TicketCreateSerializer


def test_it_gives_every_serializer_its_own_bound_fields():
    first, second = TicketSerializer(), TicketSerializer()
    assert first.fields.keys() == second.fields.keys()
    for name in ("customer", "sla", "created_at"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
    nested = first.fields["customer"].fields["tier"]
    assert nested is not second.fields["customer"].fields["tier"]


def test_it_keeps_each_subclass_fields_apart():
    assert "escalations" in TicketDetailSerializer().fields
    assert "escalations" not in TicketSerializer().fields


class DeepCopiedTicketCreateSerializer(TicketCreateSerializer):
    """The same input serializer with DRF's own per-instance fields (deep copies)."""

    get_fields = serializers.Serializer.get_fields


def test_it_gives_every_input_serializer_its_own_bound_fields():
    first, second = TicketCreateSerializer(data={}), TicketCreateSerializer(data={})
    for name in ("subject", "customer", "priority", "tags"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
    tags = first.fields["tags"]
    assert tags.child is not second.fields["tags"].child and tags.child.parent is tags
    assert TicketCreateSerializer._declared_fields["subject"].parent is None  # never bound


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"subject": "", "tags": ["x" * 51, ""], "priority": "nope", "customer_email": "nope"},
        {"subject": "x" * 201, "tags": "leak", "channel": ["api"], "customer": "one"},
        {"subject": "Leak", "customer_email": "li@example.test", "attachments": ["not a file"]},
        {"subject": "Leak", "customer_email": "li@example.test", "customer": 1},
        {"subject": " Leak ", "customer_email": "li@example.test", "tags": ["漏水"]},
    ],
)
def test_it_validates_input_as_drf_fields_of_its_own_would(tenant_a, data):
    shallow, deep = TicketCreateSerializer(data=data), DeepCopiedTicketCreateSerializer(data=data)
    with scope(tenant=tenant_a):
        assert shallow.is_valid() == deep.is_valid()
    assert shallow.errors == deep.errors
    assert json.dumps(shallow.errors) == json.dumps(deep.errors)  # in the same order
    if not shallow.errors:
        assert shallow.validated_data == deep.validated_data
