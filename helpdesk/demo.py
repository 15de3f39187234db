"""Demo data for the tenancy core: people, skills and teams of the ``acme`` tenant."""

from dataclasses import dataclass

from django_scopes import scope

from helpdesk.models import CertificationStage, Membership, Role, Tenant
from helpdesk.services import membership_create, skill_get_or_create, team_create, tenant_create

DEMO_PASSWORD = "helpdesk-demo"  # noqa: S105 - public demo data, printed by make run  # nosec B105


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    role: str
    skills: tuple[str, ...] = ()
    stage: str = CertificationStage.CERTIFIED


ACME_PEOPLE = (
    DemoPerson("manager@acme.test", "Wang Fang 王芳", Role.MANAGER),
    DemoPerson("lead.repair@acme.test", "Li Qiang 李强", Role.TEAM_LEAD, ("家电维修",)),
    DemoPerson("lead.care@acme.test", "Chen Jing 陈静", Role.TEAM_LEAD, ("账单咨询", "投诉处理")),
    DemoPerson("agent1@acme.test", "Zhang Wei 张伟", Role.AGENT, ("家电维修", "技术咨询")),
    DemoPerson("agent2@acme.test", "Liu Yang 刘洋", Role.AGENT, ("账单咨询", "投诉处理")),
    DemoPerson("agent3@acme.test", "Zhao Min 赵敏", Role.AGENT, ("技术咨询", "软件升级")),
    DemoPerson(
        "trainee@acme.test", "Sun Li 孙丽", Role.AGENT, ("家电维修",), CertificationStage.TRAINEE
    ),
    DemoPerson("quality@acme.test", "Zhou Hua 周华", Role.QUALITY_SUPERVISOR),
    DemoPerson("handler@acme.test", "Wu Gang 吴刚", Role.DEPARTMENT_HANDLER, ("家电维修",)),
)

ACME_TEAMS = (
    (
        "Repair 维修部",
        "lead.repair@acme.test",
        ("agent1@acme.test", "trainee@acme.test", "handler@acme.test"),
    ),
    ("Customer care 客服中心", "lead.care@acme.test", ("agent2@acme.test",)),
    (
        "Technical support 技术支持",
        "lead.repair@acme.test",
        ("agent3@acme.test", "agent1@acme.test"),
    ),
)


def demo_tenant(slug: str, name: str, admin_email: str, language: str) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        tenant, _admin = tenant_create(
            slug=slug,
            name=name,
            admin_email=admin_email,
            admin_password=DEMO_PASSWORD,
            default_language=language,
            origin="demo",
        )
    return tenant


def seed_people(tenant: Tenant) -> dict[str, Membership]:
    """Idempotent. Returns the memberships by e-mail."""
    with scope(tenant=tenant):
        people = {}
        for person in ACME_PEOPLE:
            skills = [skill_get_or_create(tenant=tenant, name=name) for name in person.skills]
            people[person.email] = membership_create(
                tenant=tenant,
                email=person.email,
                role=person.role,
                password=DEMO_PASSWORD,
                full_name=person.full_name,
                certification_stage=person.stage,
                skills=skills,
            )
        for name, lead_email, member_emails in ACME_TEAMS:
            team_create(
                tenant=tenant,
                name=name,
                lead=people[lead_email],
                members=[people[email] for email in member_emails],
            )
        return people
