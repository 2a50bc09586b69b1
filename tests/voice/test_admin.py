from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from points.models import PointAccount
from tests.voice.factories import post_request
from voice import actions
from voice.models import HelpDeed, HelpRecipient, HelpRequest, Opinion

pytestmark = pytest.mark.django_db

DEEDS = reverse("admin:voice_helpdeed_changelist")
REQUESTS = reverse("admin:voice_helprequest_changelist")
OPINIONS = reverse("admin:voice_opinion_changelist")


def login(client, user):
    client.force_login(user)
    return client


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def balance(user) -> int:
    account = PointAccount.objects.filter(user=user).first()
    return account.balance if account else 0


@pytest.mark.parametrize(("who", "status"), [("grid_admin", 200), ("checker", 403), ("member", 302)])
def test_the_lists_are_for_grid_admins(client, request, member, who, status):
    actions.deed_record(worker=member, kind="escort", note="送老人回家")
    login(client, request.getfixturevalue(who))
    for url in (DEEDS, REQUESTS, OPINIONS):
        assert client.get(url).status_code == status


def test_verifying_help_in_admin_awards_points(client, grid_admin, member):
    deed, _ = actions.deed_record(worker=member, kind="escort", note="送老人回家")
    login(client, grid_admin)
    page = client.get(reverse("admin:voice_helpdeed_change", args=[deed.pk])).content.decode()
    assert "核实（发放积分）" in page and "不予核实" in page
    url = reverse("admin:voice_helpdeed_decision", args=[deed.pk])
    refused = client.post(url, {"decision": "reject", "reason": ""})
    assert said(refused) == ["请填写原因，网格员会看到。"]
    response = client.post(url, {"decision": "verify", "reason": ""})
    # The refusal is still waiting to be shown (nothing followed the redirect), then the decision.
    assert said(response) == ["请填写原因，网格员会看到。", "已完成：核实（发放积分）。"]
    deed.refresh_from_db()
    assert deed.status == "verified" and balance(member) == 5


def test_staff_without_the_permission_cannot_decide_and_nothing_changes(client, checker, member):
    deed, _ = actions.deed_record(worker=member, kind="escort", note="送老人回家")
    login(client, checker)
    response = client.post(reverse("admin:voice_helpdeed_decision", args=[deed.pk]), {"decision": "verify"})
    assert response.status_code in (403, 404)
    deed.refresh_from_db()
    assert deed.status == "submitted" and balance(member) == 0


def _add_data(grid, **overrides):
    now = timezone.localtime()
    data = {
        "grid": grid.pk,
        "what": "帮独居老人搬米上楼",
        "starts_at_0": now.strftime("%Y-%m-%d"),
        "starts_at_1": now.strftime("%H:%M:%S"),
        "ends_at_0": (now + timedelta(hours=3)).strftime("%Y-%m-%d"),
        "ends_at_1": (now + timedelta(hours=3)).strftime("%H:%M:%S"),
        "recipient_name": "王阿姨",
        "recipient_address": "文鼎苑3幢2单元501",
        "recipient_phone": "",
        "recipient_notes": "",
    }
    data.update(overrides)
    return data


def test_posting_a_request_in_admin_keeps_the_details_hidden(client, grid_admin, grid, member):
    login(client, grid_admin)
    response = client.post(reverse("admin:voice_helprequest_add"), _add_data(grid))
    assert response.status_code == 302
    help_request = HelpRequest.objects.get()
    assert HelpRecipient.objects.get(request=help_request).name == "王阿姨"
    page = client.get(reverse("admin:voice_helprequest_change", args=[help_request.pk])).content.decode()
    assert "已隐藏：只有接单的网格员能看到这些信息。" in page
    assert "王阿姨" not in page and "文鼎苑3幢2单元501" not in page


def test_a_request_ending_before_it_starts_is_refused_in_admin(client, grid_admin, grid):
    login(client, grid_admin)
    now = timezone.localtime()
    response = client.post(
        reverse("admin:voice_helprequest_add"),
        _add_data(grid, ends_at_0=(now - timedelta(hours=1)).strftime("%Y-%m-%d"),
                  ends_at_1=(now - timedelta(hours=1)).strftime("%H:%M:%S")),
    )  # fmt: skip
    assert response.status_code == 200
    assert "结束时间必须晚于开始时间。" in response.content.decode()
    assert "王阿姨" in response.content.decode()  # what was typed is kept
    assert not HelpRequest.objects.exists()


def test_confirming_in_admin_awards_the_taker(client, grid_admin, grid, member):
    help_request = post_request(grid=grid, by=grid_admin)
    actions.request_take(request_id=help_request.pk, user=member)
    login(client, grid_admin)
    url = reverse("admin:voice_helprequest_decision", args=[help_request.pk])
    early = client.post(url, {"decision": "confirm"})
    assert said(early) == ["这项决定现在不可行；页面上列出了可行的决定。"]
    actions.request_done(request_id=help_request.pk, user=member, note="已送到")
    client.post(url, {"decision": "confirm"})
    help_request.refresh_from_db()
    assert help_request.status == "confirmed" and balance(member) == 10


def test_routing_an_opinion_in_admin(client, grid_admin, member):
    opinion, _ = actions.opinion_submit(worker=member, text="东门没有骑手停车位")
    login(client, grid_admin)
    change = client.get(reverse("admin:voice_opinion_change", args=[opinion.pk])).content.decode()
    assert reverse("admin:voice_opinion_route", args=[opinion.pk]) in change
    url = reverse("admin:voice_opinion_route", args=[opinion.pk])
    refused = client.post(url, {"summary": "缺停车位", "department": "", "tags": "停车"})
    assert refused.status_code == 400
    assert "请写一句简短的摘要并填写转交部门。" in refused.content.decode()
    assert 'value="缺停车位"' in refused.content.decode()
    done = client.post(url, {"summary": "缺停车位", "department": "街道城管科", "tags": "停车"})
    assert done.status_code == 302
    opinion.refresh_from_db()
    assert (opinion.status, opinion.department) == ("routed", "街道城管科")
    adopt = client.post(
        reverse("admin:voice_opinion_decision", args=[opinion.pk]), {"decision": "adopt", "reason": "已划设"}
    )
    assert said(adopt) == [f"民意 #{opinion.pk} 已转交。", "已完成：采纳并答复（发放积分）。"]
    assert balance(member) == 10


def test_the_routing_page_refuses_staff_without_the_permission(client, checker, member):
    opinion, _ = actions.opinion_submit(worker=member, text="有话说")
    login(client, checker)
    response = client.post(
        reverse("admin:voice_opinion_route", args=[opinion.pk]), {"summary": "s", "department": "d"}
    )
    assert response.status_code == 403
    opinion.refresh_from_db()
    assert opinion.status == "submitted"


@pytest.mark.parametrize("count", [1, 5])
def test_the_admin_lists_queries_do_not_grow(
    client, grid_admin, grid, member, django_assert_num_queries, count
):
    for number in range(count):
        actions.deed_record(worker=member, kind="other", note=f"帮忙{number}")
        actions.opinion_submit(worker=member, text=f"有话说{number}")
        post_request(grid=grid, by=grid_admin)
    login(client, grid_admin)
    for url, queries in ((DEEDS, 6), (OPINIONS, 6), (REQUESTS, 7)):
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200


def test_nothing_is_deleted_in_admin(client, grid_admin, member):
    deed, _ = actions.deed_record(worker=member, kind="other", note="帮忙")
    login(client, grid_admin)
    assert (
        client.post(reverse("admin:voice_helpdeed_delete", args=[deed.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert HelpDeed.objects.filter(pk=deed.pk).exists()
    assert Opinion.objects.count() == 0


def test_the_counts_page_shows_what_waits(
    client, grid_admin, checker, grid, member, django_assert_num_queries
):
    actions.deed_record(worker=member, kind="other", note="帮忙")
    help_request = post_request(grid=grid, by=grid_admin)
    actions.request_take(request_id=help_request.pk, user=member)
    actions.request_done(request_id=help_request.pk, user=member, note="已送到")
    actions.request_confirm(request_id=help_request.pk, acting_user=grid_admin)
    post_request(grid=grid, by=grid_admin)
    actions.opinion_submit(worker=member, text="有话说")
    url = reverse("admin:voice_counts")
    login(client, grid_admin)
    # session, user, permissions (user, group), the three counts
    with django_assert_num_queries(7):
        page = client.get(url).content.decode()
    assert '?status__exact=submitted">待核实的随手帮</a></th><td>1</td>' in page
    assert '?status__exact=open">待接单的求助</a></th><td>1</td>' in page
    assert '?status__exact=done">待确认的求助</a></th><td>0</td>' in page
    assert '?status__exact=submitted">待摘要转交的民意</a></th><td>1</td>' in page
    assert '<th scope="row">完成并确认的求助</th><td>1</td>' in page
    login(client, checker)
    assert client.get(url).status_code == 403
