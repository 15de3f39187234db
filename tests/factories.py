"""factory-boy factories. Scoped models are created with ``Model.objects.create`` which
django-scopes allows outside a scope; reading them back needs ``scope(tenant=...)``."""

import factory
from django_scopes import scope

from automations.defaults import seed_default_triggers
from helpdesk.models import Membership, Role, Skill, Team, Tenant, User

PASSWORD = "correct horse battery staple"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"tenant{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    default_language = "en"
    time_zone = "Asia/Shanghai"

    @factory.post_generation
    def default_triggers(obj, create, extracted, **kwargs):
        """Every desk starts with the default triggers (category routing, the escalations):
        the behaviour tests run on them as a new tenant would. ``default_triggers=False``
        leaves them out."""
        if create and extracted is not False:
            with scope(tenant=obj):
                seed_default_triggers(obj)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.AGENT


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"skill {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"team {n}")


# --- customers and tickets ------------------------------------------------------------------
# Every related row takes the tenant of the row that owns it (``SelfAttribute("..tenant")``),
# so a factory never builds a ticket whose customer or category lives in another tenant.


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Tier"

    tenant = factory.SubFactory(TenantFactory)
    code = factory.Sequence(lambda n: f"tier{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    rank = 100


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Customer"

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.test")
    tier = None


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tickets.Category"

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"category {n}")
    team = None


class TicketFactory(factory.django.DjangoModelFactory):
    """A bare ticket row (no routing, no events). Its number comes from the tenant's counter,
    so tickets made by ``services.ticket_create`` later in the same test do not collide."""

    class Meta:
        model = "tickets.Ticket"

    tenant = factory.SubFactory(TenantFactory)
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    subject = factory.Sequence(lambda n: f"Washer {n} leaks")
    number = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from django.db import transaction
        from django_scopes import scope

        from tickets.services import _next_number

        if kwargs.get("number") is None:
            with scope(tenant=kwargs["tenant"]), transaction.atomic():
                kwargs["number"] = _next_number(kwargs["tenant"])
        return super()._create(model_class, *args, **kwargs)
