"""Issue 19, item 10: icons are one SVG sprite served by us, beside a text label, never emoji."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template

ROOT = Path(settings.BASE_DIR)
# Emoji and the pictographic symbols phones draw differently (or as boxes).
PICTOGRAPHS = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2190-\u21ff\u2302\u25a6]")


def worker_templates() -> list[Path]:
    return [
        path
        for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
        if "/admin/" not in str(path.relative_to(ROOT)) and not str(path).startswith(str(ROOT / ".venv"))
    ]


def test_no_worker_template_draws_an_emoji():
    offenders = {
        str(path.relative_to(ROOT)): PICTOGRAPHS.findall(path.read_text())
        for path in worker_templates()
        if PICTOGRAPHS.search(path.read_text())
    }
    assert offenders == {}


def test_every_icon_used_is_a_symbol_of_the_sprite():
    sprite = (ROOT / "static" / "img" / "icons.svg").read_text()
    symbols = set(re.findall(r'<symbol id="([\w-]+)"', sprite))
    used = {
        name for path in worker_templates() for name in re.findall(r'{% icon "([\w-]+)"', path.read_text())
    }
    from core.templatetags.portal import CODE_ICONS

    assert used and used | set(CODE_ICONS.values()) | {"dot"} <= symbols


@pytest.mark.django_db
def test_the_tab_bar_has_svg_icons_and_text_labels(client):
    html = client.get("/").content.decode()
    tabbar = html[html.index('<nav class="tabbar"') : html.index("</nav>", html.index('<nav class="tabbar"'))]
    assert (
        tabbar.count(
            '<svg class="icon tab-icon" aria-hidden="true" focusable="false"><use href="/static/img/icons.svg#'
        )
        == 5
    )
    labels = re.findall(r"</svg>([^<]+)</a>", tabbar)
    assert labels == ["首页", "学习", "服务", "网格", "我的"]


def test_the_icon_tag():
    rendered = Template(
        '{% load portal %}{% icon "camera" %}|{% code_icon "legal" %}|{% code_icon "new" %}'
    ).render(Context())
    assert rendered == (
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="/static/img/icons.svg#camera"></use></svg>|'
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="/static/img/icons.svg#scale"></use></svg>|'
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="/static/img/icons.svg#dot"></use></svg>'
    )
