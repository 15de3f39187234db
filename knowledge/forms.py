"""Forms of the knowledge pages. Choices of related rows come from the active tenant scope."""

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Membership, Team
from helpdesk.platform.limits import TEXT_MAX_LENGTH
from products.models import Product
from tickets.forms import TicketSelectionForm
from tickets.models import Category, Priority, Status

from .models import Article, ArticleStatus, KnowledgeCategory, Language, TemplateScope, Visibility
from .services import ArticleFields, TemplateFields

# A long manual fits; a paste of a whole document export does not.
ARTICLE_BODY_MAX_LENGTH = 100_000


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=500, required=False)
    body = forms.CharField(
        label=_("Body (Markdown)"),
        strip=False,
        max_length=ARTICLE_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 16, "class": "kb-editor-body"}),
    )
    tags = forms.CharField(label=_("Tags"), max_length=300, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=KnowledgeCategory.objects.none(), required=False
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    products = forms.ModelMultipleChoiceField(
        label=_("Products"),
        queryset=Product.objects.none(),
        required=False,
        help_text=_("The products this article is about; their pages list it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = KnowledgeCategory.objects.all()
        self.fields["products"].queryset = Product.objects.order_by("model_code")

    @classmethod
    def initial_from(cls, article: Article) -> dict:
        return {
            "title": article.title,
            "summary": article.summary,
            "body": article.body,
            "tags": article.tags,
            "category": article.category_id,
            "visibility": article.visibility,
            "language": article.language,
            "products": [product.pk for product in article.products.all()],
        }

    def to_fields(self) -> ArticleFields:
        values = dict(self.cleaned_data)
        values["products"] = list(values["products"])
        return ArticleFields(**values)


class ArticleStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ArticleStatus.choices)


class TemplateApplyForm(forms.Form):
    """The reply as edited in the composer; empty sends the filled template."""

    body = forms.CharField(required=False, strip=False, max_length=TEXT_MAX_LENGTH)


class TemplateBulkApplyForm(TicketSelectionForm):
    """The queue's bulk action: one template sent to each selected ticket, filled for each."""

    template = forms.IntegerField(label=_("Template or macro"), min_value=1, max_value=2**31 - 1)


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, strip=False)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=1000, initial=100)


class AuthorForm(forms.Form):
    membership = forms.ModelChoiceField(label=_("Member"), queryset=Membership.objects.none())
    grant = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = Membership.objects.filter(is_active=True)


class ReplyTemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    body = forms.CharField(
        label=_("Text"),
        strip=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Placeholders: {{ customer.name }}, {{ ticket.number }}, {{ agent.name }}."),
    )
    scope = forms.ChoiceField(label=_("Shared with"), choices=TemplateScope.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    set_status = forms.ChoiceField(
        label=_("Macro: set status"), choices=[("", "—"), *Status.choices], required=False
    )
    set_priority = forms.ChoiceField(
        label=_("Macro: set priority"), choices=[("", "—"), *Priority.choices], required=False
    )
    set_category = forms.ModelChoiceField(
        label=_("Macro: set category"), queryset=Category.objects.none(), required=False
    )
    set_team = forms.ModelChoiceField(
        label=_("Macro: set team"), queryset=Team.objects.none(), required=False
    )
    add_tags = forms.CharField(label=_("Macro: add tags"), max_length=200, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Any language")), *Language.choices],
        required=False,
        help_text=_("The reply box lists templates in the customer's language first."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.all()
        self.fields["set_team"].queryset = Team.objects.all()
        self.fields["set_category"].queryset = Category.objects.all()

    @classmethod
    def initial_from(cls, template) -> dict:
        names = [
            "name",
            "body",
            "scope",
            "set_status",
            "set_priority",
            "add_tags",
            "language",
        ]
        initial = {name: getattr(template, name) for name in names}
        initial.update(
            team=template.team_id,
            set_category=template.set_category_id,
            set_team=template.set_team_id,
        )
        return initial

    def to_fields(self) -> TemplateFields:
        return TemplateFields(**self.cleaned_data)


class BannedPhraseForm(forms.Form):
    phrase = forms.CharField(label=_("Phrase"), max_length=100)


class LinkForm(forms.Form):
    article = forms.IntegerField()
    kind = forms.CharField(required=False)


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda value: value == "yes"
    )
