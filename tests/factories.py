"""factory-boy factories. Scoped models are created with ``Model.objects.create`` which
django-scopes allows outside a scope; reading them back needs ``scope(tenant=...)``."""

import factory

from helpdesk.models import Membership, Role, Skill, Team, Tenant, User

PASSWORD = "correct horse battery staple"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tenant{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    default_language = "en"
    time_zone = "Asia/Shanghai"


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
