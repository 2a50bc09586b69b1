"""A person's points ledger is drawn once and kept while their last line stays the same
(core.fragments, issue 23), and only ever shown to them."""

from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from points.actions import points_add
from tests.factories import UserFactory
from tests.governance.test_views import file_report

pytestmark = pytest.mark.django_db

URL = reverse("governance:points")


def drawn():
    """Counts the drawings of a ledger (a ledger served from the cache is not drawn)."""
    from django.template.loader import render_to_string

    return mock.patch("governance.views.render_to_string", wraps=render_to_string)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_new_line_shows_at_once(member):
    client = logged_in(member)
    points_add(user=member, amount=3, reason="adjustment", note="第一笔")
    with drawn() as render:
        assert "第一笔" in client.get(URL).content.decode()
        assert "第一笔" in client.get(URL).content.decode()
        points_add(user=member, amount=-2, reason="adjustment", note="第二笔")
        page = client.get(URL).content.decode()
    assert render.call_count == 2
    assert "第一笔" in page and "第二笔" in page
    assert '<p class="balance-value" id="points-balance">1</p>' in page


def test_no_one_is_shown_another_persons_kept_ledger(member):
    other = UserFactory()
    points_add(user=member, amount=3, reason="adjustment", note="张伟的积分")
    points_add(user=other, amount=4, reason="adjustment", note="别人的积分")
    member_client, other_client = logged_in(member), logged_in(other)
    for _ in range(2):
        mine = member_client.get(URL).content.decode()
        theirs = other_client.get(URL).content.decode()
        assert "张伟的积分" in mine and "别人的积分" not in mine
        assert "别人的积分" in theirs and "张伟的积分" not in theirs
        assert '<p class="balance-value" id="points-balance">4</p>' in theirs


def test_a_line_whose_source_is_deleted_leads_nowhere_at_once(member):
    report = file_report(member)
    points_add(user=member, amount=3, reason="adjustment", source=report)
    client = logged_in(member)
    assert f'<a href="/grid/reports/{report.pk}/">工作人员调整</a>' in client.get(URL).content.decode()
    report.delete()
    page = client.get(URL).content.decode()
    assert "<span>工作人员调整</span>" in page and f"/grid/reports/{report.pk}/" not in page


def test_each_page_is_kept_on_its_own_and_other_query_strings_are_drawn_every_time(member):
    for number in range(25):
        points_add(user=member, amount=1, reason="adjustment", note=f"第{number:02d}笔")
    client = logged_in(member)
    with drawn() as render:
        for _ in range(2):
            assert "第24笔" in client.get(URL).content.decode()
            assert "第04笔" in client.get(URL, {"page": "2"}).content.decode()
    assert render.call_count == 2
    with drawn() as render:
        for _ in range(2):
            assert client.get(URL, {"page": "last"}).status_code == 200
            assert client.get(URL, {"page": "2", "from": "home"}).status_code == 200
            assert client.get(URL, {"page": ["2", "2"]}).status_code == 200  # each repeat a new key
    assert render.call_count == 6


def test_an_empty_ledger_is_drawn_every_time(member):
    client = logged_in(member)
    with drawn() as render:
        for _ in range(2):
            assert "还没有积分。" in client.get(URL).content.decode()
    assert render.call_count == 2
