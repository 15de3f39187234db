"""Demo content of the knowledge base: a few published articles in English and Chinese and two
approved reply templates. Idempotent (looked up by title / name)."""

from helpdesk.models import Membership, Tenant

from . import services
from .models import Article, ArticleStatus, KnowledgeCategory, ReplyTemplate, Visibility

CATEGORIES = (
    ("洗衣机 Washing machines", "漏水、噪音、故障代码 — leaks, noise, error codes"),
    ("账单与发票 Billing", "发票、退款 — invoices and refunds"),
)

ARTICLES = (
    (
        0,
        "zh-hans",
        Visibility.PUBLIC,
        "洗衣机漏水怎么办",
        "先检查进水管和排水管是否松动，再检查门封。",
        "## 检查步骤\n\n1. 关闭水龙头并拔掉电源。\n2. 检查进水管接头是否拧紧。\n"
        "3. 检查排水管是否破损或弯折。\n4. 清洁门封，查看是否有异物。\n\n"
        "如果仍然漏水，请提交报修单，我们会安排上门维修。",
        "洗衣机, 漏水",
    ),
    (
        0,
        "en",
        Visibility.PUBLIC,
        "Washing machine shows error code E4",
        "E4 means the drum is unbalanced: redistribute the laundry.",
        "The **E4** error appears when the load is unbalanced.\n\n"
        "1. Pause the programme and open the door.\n2. Spread the laundry evenly.\n"
        "3. Restart the spin cycle.\n\nIf E4 comes back with an empty drum, request a repair.",
        "washing machine, error code",
    ),
    (
        1,
        "zh-hans",
        Visibility.PUBLIC,
        "如何申请电子发票",
        "在订单页面点击“申请发票”，填写抬头和税号。",
        "电子发票会在 3 个工作日内发送到您的邮箱。如需修改抬头，请联系客服。",
        "发票",
    ),
    (
        1,
        "en",
        Visibility.PUBLIC,
        "How to get a refund",
        "Refunds go back to the original payment method within 7 working days.",
        "Open your order, choose **Request refund** and give a reason. "
        "We confirm by e-mail; the money arrives within 7 working days.",
        "refund, billing",
    ),
    (
        0,
        "zh-hans",
        Visibility.INTERNAL,
        "内部：洗衣机漏水上门前的电话排查",
        "坐席在派单前先电话确认的三个问题。",
        "1. 漏水发生在进水、洗涤还是脱水阶段？\n2. 机器是否放平？\n3. 是否使用了过量洗衣液？",
        "洗衣机, 漏水, 内部",
    ),
)

TEMPLATES = (
    (
        "问候 Greeting",
        "{{ customer.name }} 您好，感谢您联系我们。关于工单 #{{ ticket.number }}，"
        "我是客服 {{ agent.name }}，将尽快为您处理。",
        "",
    ),
    (
        "已解决 Resolved",
        "Dear {{ customer.name }}, your request #{{ ticket.number }} has been resolved. "
        "If anything is still wrong, just reply to this message. — {{ agent.name }}",
        "resolved",
    ),
)


def seed_knowledge(tenant: Tenant, author: Membership, approver: Membership) -> None:
    """Precondition: the tenant's scope is active; ``approver`` is a manager."""
    services.banned_phrases_seed(tenant=tenant)
    categories = [_category(tenant, name, description) for name, description in CATEGORIES]
    for index, language, visibility, title, summary, body, tags in ARTICLES:
        if Article.objects.filter(title=title).exists():
            continue
        fields = services.ArticleFields(
            title=title,
            summary=summary,
            body=body,
            tags=tags,
            category=categories[index],
            visibility=visibility,
            language=language,
        )
        article = services.article_create(tenant=tenant, author=author, fields=fields)
        services.article_set_status(article=article, actor=approver, status=ArticleStatus.PUBLISHED)
    for name, body, set_status in TEMPLATES:
        if ReplyTemplate.objects.filter(name=name).exists():
            continue
        fields = services.TemplateFields(
            name=name, body=body, scope="tenant", set_status=set_status
        )
        template = services.reply_template_create(tenant=tenant, owner=approver, fields=fields)
        services.reply_template_review(template=template, actor=approver, approve=True)


def _category(tenant: Tenant, name: str, description: str) -> KnowledgeCategory:
    found = KnowledgeCategory.objects.filter(name=name).first()
    return found or services.category_create(tenant=tenant, name=name, description=description)
