"""Forms of the agent workspace. They only parse and validate input; views hand the cleaned
data to ``tickets.services``. Querysets here run inside the request's tenant scope."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from customers.models import Tier
from helpdesk.forms import MemberChoiceField, member_choices
from helpdesk.models import Membership, Role, Team
from helpdesk.platform.form_fields import MultipleFileField
from helpdesk.platform.limits import TEXT_MAX_LENGTH
from helpdesk.platform.widgets import FastSelect
from products.models import Unit, normalise_serial
from tickets.directory import Directory, Pairs
from tickets.models import Category, Channel, MessageKind, Priority, Status, Ticket
from tickets.saved_views import SHARE_WITH_ANY_TEAM_ROLES
from tickets.selectors import QUEUES, SORTS, QueueFilters
from tickets.services import TRANSITIONS

QUEUE_LABELS = {
    "mine": _("My tickets"),
    "unassigned": _("Unassigned"),
    "team": _("My teams"),
    "breaching": _("Breaching soon"),
    "open": _("All active"),
    "pending": _("Pending"),
    "resolved": _("Resolved"),
    "all": _("All"),
}
SORT_LABELS = {
    "-created_at": _("Newest first"),
    "created_at": _("Oldest first"),
    "-updated_at": _("Recently updated"),
    "number": _("Number, ascending"),
    "-number": _("Number, descending"),
    "deadline": _("Next SLA deadline"),
}
# The queue table's columns in table order, and those shown until the agent chooses. The number
# and subject are always there: a row without them cannot be opened or told apart.
QUEUE_COLUMNS = {
    "customer": _("Customer"),
    "status": _("Status"),
    "sla": _("SLA"),
    "priority": _("Priority"),
    "category": _("Category"),
    "team": _("Team"),
    "assignee": _("Assignee"),
    "created": _("Created at"),
}
DEFAULT_QUEUE_COLUMNS = ("customer", "status", "sla", "priority", "assignee", "created")
DURATION_PATTERN = re.compile(
    r"^(?:(?P<minutes>\d{1,4}):(?P<seconds>[0-5]?\d)|(?P<total>\d{1,6}))$"
)


def use_fast_selects(form: forms.Form) -> None:
    """Swap plain selects for ``FastSelect`` (same markup, no template per option)."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            widget = FastSelect(attrs=field.widget.attrs)
            widget.choices = field.widget.choices
            field.widget = widget


def offer(field: forms.ModelChoiceField, pairs: Pairs) -> None:
    """Options from ``(id, label)`` pairs at hand (a ``Directory``) instead of iterating the
    field's queryset; a submitted value is still checked against the queryset. Call it after
    setting the queryset, which resets the options."""
    empty = [] if field.empty_label is None else [("", field.empty_label)]
    field.widget.choices = [*empty, *pairs]


# --- queue -------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """GET filters of the queue page; an invalid value is dropped, never an error page."""

    queue = forms.ChoiceField(
        label=_("Queue"), choices=list(QUEUE_LABELS.items()), required=False, initial="open"
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Subject, #number or customer e-mail")}
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    assignee = MemberChoiceField(
        label=_("Assignee"), queryset=Membership.objects.none(), required=False
    )
    tier = forms.ModelChoiceField(
        label=_("Customer tier"), queryset=Tier.objects.none(), required=False
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=list(SORT_LABELS.items()), required=False)
    columns = forms.MultipleChoiceField(
        label=_("Columns"),
        choices=list(QUEUE_COLUMNS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, directory: Directory, **kwargs):
        super().__init__(*args, **kwargs)
        use_fast_selects(self)
        anything = [("", "—")]
        self.fields["status"].choices = anything + Status.choices
        self.fields["priority"].choices = anything + Priority.choices
        self.fields["channel"].choices = anything + Channel.choices
        self.fields["category"].queryset = Category.objects.all()
        self.fields["team"].queryset = Team.objects.all()
        self.fields["assignee"].queryset = member_choices()
        self.fields["tier"].queryset = Tier.objects.all()
        for name, pairs in (
            ("category", directory.categories),
            ("team", directory.teams),
            ("assignee", directory.members),
            ("tier", directory.tiers),
        ):
            self.fields[name].empty_label = "—"
            offer(self.fields[name], pairs)

    def selected_queue(self) -> str:
        self.is_valid()
        queue = self.cleaned_data.get("queue")
        return queue if queue in QUEUES else "open"

    def filters(self) -> QueueFilters:
        self.is_valid()
        data = self.cleaned_data

        def pk(name):
            return data[name].pk if data.get(name) else None

        return QueueFilters(
            status=data.get("status") or "",
            priority=data.get("priority") or "",
            category=pk("category"),
            team=pk("team"),
            assignee=pk("assignee"),
            tier=pk("tier"),
            channel=data.get("channel") or "",
            q=data.get("q") or "",
            sort=data.get("sort") if data.get("sort") in SORTS else "-created_at",
        )

    def chosen_columns(self) -> list[str]:
        self.is_valid()
        return self.cleaned_data.get("columns") or list(DEFAULT_QUEUE_COLUMNS)

    def is_filtered(self) -> bool:
        """Whether a filter narrows the queue (the sort and columns do not): the filter panel
        then starts open."""
        self.is_valid()
        ignored = ("queue", "sort", "columns")
        return any(v for name, v in self.cleaned_data.items() if name not in ignored)

    def saved_query(self) -> dict:
        """The fields that validated, as the query string sent them: what a saved view keeps.
        A value the form drops (an unknown team, a bad sort) is not kept."""
        self.is_valid()
        query = {}
        for name, value in self.cleaned_data.items():
            if value in (None, "", []):
                continue
            query[name] = self.data.getlist(name) if name == "columns" else self.data.get(name)
        return query


def query_dict(query: dict) -> QueryDict:
    """A saved view's ``query`` as the GET data of the queue's filter form."""
    data = QueryDict(mutable=True)
    for name, value in query.items():
        data.setlist(name, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return data


def saved_view_filters(query: dict, directory: Directory) -> tuple[str, QueueFilters]:
    """A saved view's queue and filters for the rail's counts, checked against the choices
    and the tenant's ``Directory`` instead of the filter form's querysets: counting ten views
    costs no query per view. A value that no longer fits (a deleted team) is dropped."""

    def one_of(name: str, choices) -> str:
        value = str(query.get(name, ""))
        return value if value in {str(key) for key, _label in choices} else ""

    def pk(name: str, pairs: Pairs) -> int | None:
        value = one_of(name, pairs)
        return int(value) if value else None

    queue = one_of("queue", QUEUE_LABELS.items()) or "open"
    return queue, QueueFilters(
        status=one_of("status", Status.choices),
        priority=one_of("priority", Priority.choices),
        category=pk("category", directory.categories),
        team=pk("team", directory.teams),
        assignee=pk("assignee", directory.members),
        tier=pk("tier", directory.tiers),
        channel=one_of("channel", Channel.choices),
        q=str(query.get("q", ""))[:200],
    )


class SavedViewForm(forms.Form):
    """Name a view and, for an admin, manager or team lead, share it with a team. ``query`` is
    the queue's query string when the view is saved, validated by ``QueueFilterForm``."""

    name = forms.CharField(label=_("View name"), max_length=80)
    shared_with_team = forms.ModelChoiceField(
        label=_("Share with team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Nobody (only me)"),
    )
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, member: Membership, directory: Directory, **kwargs):
        super().__init__(*args, **kwargs)
        self.directory = directory
        teams = Team.objects.all()
        if member.role not in SHARE_WITH_ANY_TEAM_ROLES:
            teams = teams.filter(lead=member) if member.role == Role.TEAM_LEAD else teams.none()
        self.fields["shared_with_team"].queryset = teams.order_by("name")
        if member.role in SHARE_WITH_ANY_TEAM_ROLES:
            offer(self.fields["shared_with_team"], directory.teams)
        self.can_share = member.role in (*SHARE_WITH_ANY_TEAM_ROLES, Role.TEAM_LEAD)
        if not self.can_share:
            del self.fields["shared_with_team"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Give the view a name."))
        return name

    def clean_query(self) -> dict:
        data = QueryDict(self.cleaned_data.get("query") or "")
        return QueueFilterForm(data, directory=self.directory).saved_query()


class TicketSelectionForm(forms.Form):
    """The tickets ticked in the queue, for a bulk action."""

    MAX_TICKETS = 200

    tickets = forms.TypedMultipleChoiceField(coerce=int, label=_("Tickets"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any number is accepted here; each one is then fetched through the access check.
        numbers = self.data.getlist("tickets") if hasattr(self.data, "getlist") else []
        self.fields["tickets"].choices = [(n, n) for n in numbers]

    def clean_tickets(self):
        numbers = self.cleaned_data["tickets"]
        if len(numbers) > self.MAX_TICKETS:
            raise ValidationError(
                _("Select at most %(max)s tickets at once."), params={"max": self.MAX_TICKETS}
            )
        return sorted(set(numbers))


class BulkActionForm(TicketSelectionForm):
    action = forms.ChoiceField(
        choices=[
            ("assign", _("Assign")),
            ("status", _("Set status")),
            ("priority", _("Set priority")),
            ("tags", _("Change tags")),
            ("merge", _("Merge")),
        ]
    )
    assignee = MemberChoiceField(
        label=_("Assign to"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("Nobody (unassign)"),
    )
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices, required=False)
    priority = forms.ChoiceField(label=_("New priority"), choices=Priority.choices, required=False)
    add_tags = forms.CharField(label=_("Add tags"), max_length=500, required=False)
    remove_tags = forms.CharField(label=_("Remove tags"), max_length=500, required=False)
    merge_into = forms.IntegerField(
        label=_("Merge into ticket number"), min_value=1, max_value=2**31 - 1, required=False
    )

    def __init__(self, *args, members: Pairs | None = None, **kwargs):
        """``members``: the active members' ``(id, label)`` pairs when the page has them."""
        super().__init__(*args, **kwargs)
        use_fast_selects(self)
        self.fields["assignee"].queryset = member_choices()
        if members is not None:
            offer(self.fields["assignee"], members)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        needed = {
            "status": ("status", _("Choose the new status.")),
            "priority": ("priority", _("Choose the new priority.")),
            "merge": ("merge_into", _("Give the number of the ticket to merge into.")),
        }
        if action in needed and not data.get(needed[action][0]):
            self.add_error(*needed[action])
        if action == "tags":
            data["add_tags"] = tag_names(data.get("add_tags") or "")
            data["remove_tags"] = tag_names(data.get("remove_tags") or "")
            if not data["add_tags"] and not data["remove_tags"]:
                self.add_error("add_tags", _("Give a tag to add or to remove."))
        return data


# --- ticket page ------------------------------------------------------------------------------


# The statuses the composer can submit a reply as, with their buttons, in this order.
SUBMIT_AS = {
    Status.OPEN: _("Submit as Open"),
    Status.PENDING: _("Submit as Pending"),
    Status.ON_HOLD: _("Submit as On hold"),
    Status.RESOLVED: _("Submit as Resolved"),
}


class ReplyForm(forms.Form):
    # Not required in the markup: the knowledge panel's template buttons include this box,
    # and a browser (htmx) refuses to send a form whose included field is required and empty.
    body = forms.CharField(
        label=_("Message"),
        required=False,
        strip=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    kind = forms.ChoiceField(
        label=_("Send as"),
        choices=MessageKind.choices,
        initial=MessageKind.PUBLIC,
        widget=forms.RadioSelect,
    )
    attachments = MultipleFileField(label=_("Attachments"))
    # Set by the "Submit as …" buttons; plain "Send" leaves the status to the service.
    submit_as = forms.ChoiceField(choices=[("", "—"), *SUBMIT_AS.items()], required=False)

    @property
    def is_internal(self) -> bool:
        return self.cleaned_data.get("kind") == MessageKind.INTERNAL

    def clean(self):
        data = super().clean()
        if not data.get("body", "").strip() and not data.get("submit_as"):
            self.add_error("body", _("Write a message first."))
        return data


def submit_as_choices(ticket: Ticket) -> list[tuple[str, str]]:
    """The "Submit as …" buttons for this ticket: its own status (the reply alone) and the
    ones the lifecycle allows from it."""
    allowed = TRANSITIONS[ticket.status] | {ticket.status}
    return [(status, button) for status, button in SUBMIT_AS.items() if status in allowed]


class PropertiesForm(forms.Form):
    """Every property of the ticket in one form, saved in one action: the view applies only
    ``changed_fields()``, each through its service."""

    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label="—"
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label="—"
    )
    assignee = MemberChoiceField(
        label=_("Assignee"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("Unassigned"),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separate tags with commas."),
    )
    serial = forms.CharField(
        label=_("Serial number"),
        required=False,
        max_length=120,
        help_text=_("Leave blank if the ticket is about no registered unit."),
    )

    def __init__(self, *args, ticket: Ticket, **kwargs):
        super().__init__(*args, initial=self._initial(ticket), **kwargs)
        use_fast_selects(self)
        self.fields["status"].widget.choices = status_choices(ticket)
        self.fields["category"].queryset = Category.objects.all()
        self.fields["team"].queryset = Team.objects.all()
        self.fields["assignee"].queryset = member_choices()
        if ticket.status == Status.CLOSED:
            del self.fields["serial"]  # a closed ticket keeps the unit it was about

    @staticmethod
    def _initial(ticket: Ticket) -> dict:
        return {
            "status": ticket.status,
            "priority": ticket.priority,
            "category": ticket.category_id,
            "team": ticket.team_id,
            "assignee": ticket.assignee_id,
            "tags": ", ".join(tag.name for tag in ticket.tags.all()),
            "serial": ticket.unit.serial if ticket.unit_id else "",
        }

    def clean_serial(self) -> Unit | None:
        serial = normalise_serial(self.cleaned_data["serial"])
        if not serial:
            return None
        unit = Unit.objects.filter(serial=serial).select_related("product").first()
        if unit is None:
            raise ValidationError(_("No unit with this serial number is registered."))
        return unit

    def changed_fields(self) -> dict:
        """The cleaned values of the fields the agent changed; tags as a list of names."""
        changed = {name: self.cleaned_data[name] for name in self.changed_data}
        if "tags" in changed:
            changed["tags"] = tag_names(changed["tags"])
        if "serial" in changed:
            changed["unit"] = changed.pop("serial")
        return changed


def status_choices(ticket: Ticket) -> list[tuple[str, str]]:
    """The current status first (so saving untouched changes nothing), then only the allowed
    transitions; any status is accepted, so the lifecycle rule is enforced (and explained) in
    one place: the service."""
    allowed = TRANSITIONS[ticket.status]
    current = (ticket.status, _("%(status)s (current)") % {"status": ticket.get_status_display()})
    return [current] + [(value, label) for value, label in Status.choices if value in allowed]


def tag_names(text: str) -> list[str]:
    """Commas, ASCII or full-width (，), separate the tags."""
    return [name for name in re.split(r"[,，]", text) if name.strip()]


class TransferForm(forms.Form):
    team = forms.ModelChoiceField(label=_("To team"), queryset=Team.objects.none())
    reason = forms.CharField(
        label=_("Reason, for the receiving team"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept as an internal note: the customer never sees it."),
    )
    expected_handling_minutes = forms.IntegerField(
        label=_("Expected handling time (minutes)"), min_value=1, max_value=60 * 24 * 90
    )
    customer_message = forms.CharField(
        label=_("Message to the customer"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent as a public reply. Leave it empty to tell the customer nothing."),
    )

    def __init__(self, *args, ticket: Ticket, **kwargs):
        initial = {"customer_message": transfer_notice_default(ticket)}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["team"].queryset = Team.objects.exclude(pk=ticket.team_id or 0)


def transfer_notice_default(ticket: Ticket) -> str:
    """What the customer is told about a transfer unless the agent edits it, in the
    customer's language: neither the team's name nor the reason, both internal."""
    with override(ticket.customer.language or ticket.tenant.default_language):
        return gettext(
            "Your request has been passed to the colleagues best placed to handle it. "
            "We will keep you informed here."
        )


class MergeForm(forms.Form):
    target = forms.IntegerField(
        label=_("Merge into ticket number"),
        min_value=1,
        help_text=_("This ticket's thread moves to the target ticket and this ticket closes."),
    )

    def __init__(self, *args, ticket: Ticket, **kwargs):
        super().__init__(*args, **kwargs)


# --- new ticket / phone intake --------------------------------------------------------------


class TicketIntakeForm(forms.Form):
    """A hotline call or an agent-created ticket. The customer is found by e-mail (else phone)
    or created from the name/e-mail/phone typed here."""

    customer_email = forms.EmailField(label=_("Customer e-mail"), required=False)
    customer_phone = forms.CharField(label=_("Customer phone"), max_length=40, required=False)
    customer_name = forms.CharField(
        label=_("Customer name"),
        max_length=200,
        required=False,
        help_text=_("Needed only for a new customer (no match on e-mail or phone)."),
    )
    serial = forms.CharField(
        label=_("Serial number"),
        max_length=80,
        required=False,
        help_text=_("The unit the request is about; with no customer given, its owner."),
    )
    # Picked from the lookup's list (``tickets/_unit_choices.html``); the serial typed above
    # does the same without a lookup.
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, widget=forms.RadioSelect
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label="—"
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    product_model = forms.CharField(label=_("Product / model"), max_length=120, required=False)
    fault_symptom = forms.CharField(
        label=_("Fault symptom"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    caller = forms.CharField(
        label=_("Caller"),
        max_length=120,
        required=False,
        help_text=_("Who called, if not the customer."),
    )
    call_started_at = forms.DateTimeField(
        label=_("Call started at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    call_duration = forms.CharField(
        label=_("Call duration"),
        max_length=12,
        required=False,
        help_text=_("Minutes:seconds (4:30) or seconds (270)."),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()
        self.fields["unit"].queryset = Unit.objects.select_related("product", "customer")

    def clean_call_duration(self) -> int | None:
        value = self.cleaned_data["call_duration"].strip()
        if not value:
            return None
        match = DURATION_PATTERN.match(value)
        if match is None:
            raise ValidationError(_("Use minutes:seconds (4:30) or a number of seconds (270)."))
        if match["total"] is not None:
            return int(match["total"])
        return int(match["minutes"]) * 60 + int(match["seconds"])

    def clean(self):
        data = super().clean()
        email, phone = data.get("customer_email"), data.get("customer_phone", "").strip()
        name = data.get("customer_name", "").strip()
        serial, unit = data.get("serial", "").strip(), data.get("unit")
        if not (email or phone or name or serial or unit):
            raise ValidationError(_("Give the customer's e-mail, phone number or name."))
        if unit is not None and serial and normalise_serial(serial) != unit.serial:
            self.add_error(
                "serial",
                _("The serial number typed is not the one of the unit picked (%(serial)s).")
                % {"serial": unit.serial},
            )
        return data
