"""Django's own messages in the words workers use (issue 19, item 8): no "确保该变量包含不超过…"."""

import pytest
from django import forms
from django.utils import translation


class Sample(forms.Form):
    name = forms.CharField(max_length=5, min_length=2)
    months = forms.IntegerField(min_value=0, max_value=600)
    kind = forms.ChoiceField(choices=[("a", "A")])
    day = forms.DateField()


@pytest.mark.parametrize(
    "data, errors",
    [
        ({"name": "张三李四王五"}, {"name": ["最多填写 5 个字（现在是 6 个字），请删减一些。"]}),
        ({"name": "张"}, {"name": ["至少要填写 2 个字（现在是 1 个字）。"]}),
        ({"months": "abc"}, {"months": ["请填写整数。"]}),
        ({"months": "601"}, {"months": ["不能大于 600。"]}),
        ({"months": "-1"}, {"months": ["不能小于 0。"]}),
        ({"kind": "z"}, {"kind": ["“z”不在可选项中，请从列表中选择。"]}),
        ({"day": "2026-02-30"}, {"day": ["请填写有效的日期，例如 2026-03-01。"]}),
    ],
)
def test_form_errors_read_as_plain_chinese(data, errors):
    full = {"name": "张三", "months": "12", "kind": "a", "day": "2026-03-01", **data}
    with translation.override("zh-hans"):
        form = Sample(full)
        assert form.errors == errors


def test_the_admin_filter_sidebar_says_shaixuan():
    with translation.override("zh-hans"):
        assert translation.gettext("Filter") == "筛选"
