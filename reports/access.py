"""Who sees which figures.

* Admins, managers and quality supervisors: the whole tenant.
* Team leads: the teams they lead (``Team.lead``), every agent in them, and their own figures;
  a lead of no team sees only their own figures. (Leads see every *ticket* in the queues; the
  reports are narrower on purpose: a lead is assessed with their team, and comparing other
  teams' agents is the managers' job.)
* Everyone else (agents, department handlers): their own figures only — the agent filter is
  forced to themselves, whatever the request asks.
"""

from dataclasses import dataclass, replace

from helpdesk.models import Membership, Role, Team

from .kpis import KpiFilters

TENANT_WIDE = (Role.ADMIN, Role.MANAGER, Role.QUALITY_SUPERVISOR)
# Who may score tickets (质检) and edit the rubric.
QUALITY_ROLES = (Role.ADMIN, Role.MANAGER, Role.QUALITY_SUPERVISOR)
# Who may write root-cause notes and change the assessment weights.
MANAGING_ROLES = (Role.ADMIN, Role.MANAGER)


@dataclass(frozen=True)
class ReportAccess:
    member: Membership
    teams: tuple[int, ...] | None  # None: every team
    agent: int | None  # set: only this agent's figures

    @property
    def sees_everything(self) -> bool:
        return self.teams is None and self.agent is None

    def restrict(self, wanted: KpiFilters) -> KpiFilters:
        """The requested filters narrowed to what this member may see."""
        if self.agent is not None:
            return replace(wanted, agent=self.agent, teams=None)
        if self.teams is None:
            return wanted
        chosen = tuple(t for t in (wanted.teams or self.teams) if t in self.teams)
        return replace(wanted, teams=chosen or self.teams)

    def may_see_agent(self, agent_id: int | None, agent_team_ids: set[int]) -> bool:
        if self.agent is not None:
            return agent_id == self.agent
        return self.teams is None or bool(agent_team_ids & set(self.teams))


def access_for(member: Membership) -> ReportAccess:
    """Precondition: the member's tenant scope is active."""
    if member.role in TENANT_WIDE:
        return ReportAccess(member=member, teams=None, agent=None)
    if member.role == Role.TEAM_LEAD:
        led = tuple(Team.objects.filter(lead=member).order_by("pk").values_list("pk", flat=True))
        if led:
            return ReportAccess(member=member, teams=led, agent=None)
    return ReportAccess(member=member, teams=None, agent=member.pk)
