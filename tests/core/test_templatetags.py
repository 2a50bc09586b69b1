from decimal import Decimal

from django.template import Context, Template


def render(source: str, **context) -> str:
    return Template("{% load portal %}" + source).render(Context(context))


def test_money_in_yuan():
    assert render("{{ amount|yuan }}", amount=Decimal("10000")) == "¥10,000.00"
    assert render("{{ amount|yuan }}", amount=Decimal("1234.5")) == "¥1,234.50"


def test_phone_shown_as_typed_locally():
    assert render("{{ phone|phone_local }}", phone="+8613800000001") == "138 0000 0001"


def test_step_progress_says_where_you_are():
    html = render("{% step_progress names 2 %}", names=["选择专业", "上传证书", "确认", "提交"])
    assert "第 2 步，共 4 步" in html
    assert '<li class="step-current" aria-current="step">上传证书</li>' in html
