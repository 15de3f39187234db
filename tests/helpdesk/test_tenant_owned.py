"""TenantOwned: every tenant-owned model gets its tenant key and scoped manager from one base."""

import pytest
from django.core import checks
from django.db import models
from django.test.utils import isolate_apps
from django_scopes import ScopedManager, ScopeError

from helpdesk.checks import check_tenant_owned_models
from helpdesk.models import Tenant, TenantOwned


def _error_ids(app_configs) -> list[str]:
    return [error.id for error in check_tenant_owned_models(app_configs=app_configs)]


def test_it_flags_a_model_that_declares_its_tenant_key_by_hand():
    with isolate_apps("helpdesk") as apps:

        class HandMade(models.Model):
            tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
            objects = ScopedManager(tenant="tenant")

            class Meta:
                app_label = "helpdesk"

            def __str__(self) -> str:
                return str(self.pk)

        errors = check_tenant_owned_models(app_configs=apps.get_app_configs())

    assert [(e.id, e.obj) for e in errors] == [("helpdesk.E001", HandMade)]
    assert isinstance(errors[0], checks.Error)


def test_it_flags_a_tenant_owned_model_whose_default_manager_is_not_scoped():
    with isolate_apps("helpdesk") as apps:

        class Unscoped(TenantOwned):
            objects = models.Manager()

            class Meta:
                app_label = "helpdesk"

        assert _error_ids(apps.get_app_configs()) == ["helpdesk.E002"]


def test_it_accepts_a_model_derived_from_tenant_owned():
    with isolate_apps("helpdesk") as apps:

        class Owned(TenantOwned):
            name = models.CharField(max_length=10)

            class Meta:
                app_label = "helpdesk"

        assert _error_ids(apps.get_app_configs()) == []


def test_it_finds_every_project_model_with_a_tenant_on_the_base():
    assert check_tenant_owned_models() == []


def test_it_gives_tenant_owned_models_a_manager_that_needs_a_scope(db):
    from customers.models import Customer

    with pytest.raises(ScopeError):
        list(Customer.objects.all())
