from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from points.models import PointEntry
from tests.factories import UserFactory
from tests.volunteering.factories import TeamFactory, make_member, make_task
from volunteering import actions
from volunteering.models import Membership, Recipient, Signup, Task

pytestmark = pytest.mark.django_db

SECRETS = ("陈阿婆", "翠苑一区12幢3单元502室", "0571-88000001", "腿脚不便请送上楼")


def as_user(client, user):
    client.force_login(user)
    return client


def page(response) -> str:
    return response.content.decode()


# --- Teams ------------------------------------------------------------------------------------


def test_pages_need_a_login(client, team, task):
    for url in (
        reverse("volunteering:teams"),
        reverse("volunteering:team", args=[team.pk]),
        reverse("volunteering:task", args=[task.pk]),
        reverse("volunteering:mine"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/")


def test_team_list_shows_the_team_and_my_status(client, team, member, task):
    make_task(team)
    make_task(team, days=-1)  # past: not open for sign-up any more
    html = page(as_user(client, member).get(reverse("volunteering:teams")))
    assert "助老专送小哥队" in html
    assert '<span class="badge badge-done">队员</span>' in html
    assert "2 名队员 · 2 个可报名任务" in html


@pytest.mark.parametrize("count", [1, 5])
def test_team_list_queries_do_not_grow(client, outsider, django_assert_num_queries, count):
    for _ in range(count):
        team = TeamFactory()
        make_member(team)
        make_task(team)
    as_user(client, outsider)
    # session, user, teams with station and counts, my memberships prefetch,
    # inbox count of the top bar
    with django_assert_num_queries(5):
        client.get(reverse("volunteering:teams"))


def test_team_page_for_an_outsider_offers_to_join_and_masks_names(client, team, member, outsider, task):
    html = page(as_user(client, outsider).get(reverse("volunteering:team", args=[team.pk])))
    assert "申请加入服务队" in html
    assert "张**" in html and "李**" in html
    assert "张伟" not in html and "李娜" not in html
    for secret in SECRETS:
        assert secret not in html


def test_joining_from_the_team_page(client, team, outsider):
    response = as_user(client, outsider).post(reverse("volunteering:team_join", args=[team.pk]), follow=True)
    assert "申请已提交，请等待队长审核。" in page(response)
    assert "你已申请加入，队长处理后会给你发消息。" in page(response)
    assert Membership.objects.get(team=team, user=outsider).status == Membership.Status.PENDING
    again = client.post(reverse("volunteering:team_join", args=[team.pk]), follow=True)
    assert "你已申请加入，请等待队长审核。" in page(again)
    assert Membership.objects.filter(team=team, user=outsider).count() == 1


def test_leaving_from_the_team_page(client, team, member):
    response = as_user(client, member).post(reverse("volunteering:team_leave", args=[team.pk]), follow=True)
    assert "你已退出助老专送小哥队，欢迎随时回来。" in page(response)
    assert Membership.objects.get(team=team, user=member).status == Membership.Status.LEFT


def test_join_needs_post_and_a_real_team(client, outsider, team):
    as_user(client, outsider)
    assert client.get(reverse("volunteering:team_join", args=[team.pk])).status_code == 405
    assert client.post(reverse("volunteering:team_join", args=[999999])).status_code == 404
    assert client.get(reverse("volunteering:team", args=[999999])).status_code == 404
    assert not Membership.objects.filter(user=outsider).exists()


# --- Tasks and privacy ------------------------------------------------------------------------


def test_a_member_not_signed_up_sees_no_details(client, task, member):
    html = page(as_user(client, member).get(reverse("volunteering:task", args=[task.pk])))
    assert "报名这个任务" in html
    assert "老人的姓名、地址和电话只向报名该任务的志愿者显示。" in html
    for secret in SECRETS:
        assert secret not in html


def test_the_lead_not_signed_up_sees_no_details(client, task, lead):
    html = page(as_user(client, lead).get(reverse("volunteering:task", args=[task.pk])))
    assert "确认完成或取消任务" in html
    for secret in SECRETS:
        assert secret not in html


def test_the_signed_up_volunteer_sees_the_details(client, task, member):
    as_user(client, member)
    response = client.post(reverse("volunteering:task_signup", args=[task.pk]), follow=True)
    html = page(response)
    assert "报名成功，谢谢你！详细信息见下方。" in html
    for secret in SECRETS:
        assert secret in html
    assert "取消报名" in html


def test_another_member_sees_nothing_while_someone_is_signed_up(client, task, member, other_member):
    actions.signup_create(task_id=task.pk, user=member)
    html = page(as_user(client, other_member).get(reverse("volunteering:task", args=[task.pk])))
    for secret in SECRETS:
        assert secret not in html


def test_staff_with_the_permission_see_the_details(client, task, coordinator):
    html = page(as_user(client, coordinator).get(reverse("volunteering:task", args=[task.pk])))
    for secret in SECRETS:
        assert secret in html


def test_lists_never_show_the_details(client, task, member, lead):
    actions.signup_create(task_id=task.pk, user=member)
    as_user(client, member)
    for url in (
        reverse("volunteering:teams"),
        reverse("volunteering:team", args=[task.team_id]),
        reverse("volunteering:mine"),
    ):
        html = page(client.get(url))
        for secret in SECRETS:
            assert secret not in html
    html = page(as_user(client, lead).get(reverse("volunteering:lead", args=[task.team_id])))
    for secret in SECRETS:
        assert secret not in html


def test_a_non_member_cannot_sign_up_and_nothing_changes(client, task, outsider):
    html = page(as_user(client, outsider).get(reverse("volunteering:task", args=[task.pk])))
    assert "只有服务队队员才能报名。" in html
    response = client.post(reverse("volunteering:task_signup", args=[task.pk]), follow=True)
    assert "只有本服务队的队员才能这样做，请先申请加入服务队。" in page(response)
    for secret in SECRETS:
        assert secret not in page(response)
    task.refresh_from_db()
    assert task.taken == 0
    assert not Signup.objects.exists()


def test_signing_up_for_a_missing_task_is_404(client, member):
    assert as_user(client, member).post(reverse("volunteering:task_signup", args=[999999])).status_code == 404
    assert client.get(reverse("volunteering:task", args=[999999])).status_code == 404


def test_withdrawing_from_the_task_page(client, task, member):
    actions.signup_create(task_id=task.pk, user=member)
    response = as_user(client, member).post(
        reverse("volunteering:task_withdraw", args=[task.pk]), follow=True
    )
    html = page(response)
    assert "你已取消报名。" in html
    for secret in SECRETS:
        assert secret not in html
    again = client.post(reverse("volunteering:task_withdraw", args=[task.pk]), follow=True)
    assert "你没有报名该任务。" in page(again)


def test_my_tasks_lists_points(client, team, lead, member):
    task = make_task(team, days=0, needed=1)
    actions.signup_create(task_id=task.pk, user=member)
    actions.task_confirm(task_id=task.pk, acting_user=lead)
    html = page(as_user(client, member).get(reverse("volunteering:mine")))
    assert "+20 积分" in html
    assert '<span class="badge badge-done">已完成</span>' in html


def test_my_tasks_empty_state(client, outsider):
    html = page(as_user(client, outsider).get(reverse("volunteering:mine")))
    assert "你还没有报名志愿任务。加入服务队，挑一个顺路的任务吧。" in html


@pytest.mark.parametrize("count", [1, 5])
def test_my_tasks_queries_do_not_grow(client, team, member, django_assert_num_queries, count):
    for _ in range(count):
        actions.signup_create(task_id=make_task(team).pk, user=member)
    as_user(client, member)
    # session, user, count, sign-ups with task and team, inbox count
    with django_assert_num_queries(5):
        client.get(reverse("volunteering:mine"))


@pytest.mark.parametrize("count", [1, 5])
def test_team_page_queries_do_not_grow(client, team, member, django_assert_num_queries, count):
    for _ in range(count):
        make_member(team)
        actions.signup_create(task_id=make_task(team).pk, user=member)
    as_user(client, member)
    # session, user, team with station and lead, my membership, members,
    # tasks, my sign-ups among them, inbox count
    with django_assert_num_queries(8):
        client.get(reverse("volunteering:team", args=[team.pk]))


# --- The team lead ----------------------------------------------------------------------------


def test_the_lead_page_is_404_for_anyone_else(client, team, member, outsider):
    for user in (member, outsider):
        as_user(client, user)
        assert client.get(reverse("volunteering:lead", args=[team.pk])).status_code == 404
        assert client.get(reverse("volunteering:task_new", args=[team.pk])).status_code == 404


def test_the_lead_accepts_a_request(client, team, lead, outsider):
    membership = actions.membership_request(team=team, user=outsider)
    html = page(as_user(client, lead).get(reverse("volunteering:lead", args=[team.pk])))
    assert "路人甲" in html
    response = client.post(reverse("volunteering:request_accept", args=[team.pk, membership.pk]), follow=True)
    assert "路人甲已成为队员。" in page(response)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE


def test_a_request_of_another_team_is_404_and_unchanged(client, team, lead, outsider):
    other_team = TeamFactory()
    membership = actions.membership_request(team=other_team, user=outsider)
    as_user(client, lead)
    response = client.post(reverse("volunteering:request_accept", args=[team.pk, membership.pk]))
    assert response.status_code == 404
    response = client.post(reverse("volunteering:request_decline", args=[other_team.pk, membership.pk]))
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING


@pytest.mark.parametrize("count", [1, 5])
def test_lead_page_queries_do_not_grow(client, team, lead, django_assert_num_queries, count):
    for _ in range(count):
        actions.membership_request(team=team, user=UserFactory())
        today = make_task(team, days=0)
        actions.signup_create(task_id=today.pk, user=make_member(team))
        make_task(team, days=3)
    as_user(client, lead)
    # session, user, team, requests with users, tasks to confirm,
    # their sign-ups with volunteers, coming tasks, inbox count
    with django_assert_num_queries(8):
        client.get(reverse("volunteering:lead", args=[team.pk]))


def task_form(**overrides):
    data = {
        "what": "午餐送餐",
        "date": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "starts_at": "11:00",
        "ends_at": "12:00",
        "street": "cuiyuan",
        "area": "翠苑一区",
        "volunteers_needed": "2",
        "description": "",
        "recipient_name": "陈阿婆",
        "recipient_address": "翠苑一区12幢3单元502室",
        "recipient_phone": "0571-88000001",
        "recipient_notes": "腿脚不便请送上楼",
    }
    data.update(overrides)
    return data


def test_the_lead_publishes_a_task(client, team, lead):
    response = as_user(client, lead).post(reverse("volunteering:task_new", args=[team.pk]), task_form())
    task = Task.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteering:task", args=[task.pk])
    assert (task.what, task.area, task.volunteers_needed, task.status) == ("午餐送餐", "翠苑一区", 2, "open")
    assert Recipient.objects.get(task=task).notes == "腿脚不便请送上楼"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"date": ""}, "请选择任务日期。"),
        ({"date": "2026-13-40"}, "请选择任务日期。"),
        ({"date": "2020-01-01"}, "任务日期不能早于今天。"),
        ({"starts_at": "午饭"}, "请填写时间，例如 11:00。"),
        ({"ends_at": "10:00"}, "结束时间必须晚于开始时间。"),
        ({"street": "mars"}, "请选择街道。"),
        ({"area": ""}, "请填写服务区域，例如小区名称。"),
        ({"what": ""}, "请填写服务内容，例如 午餐送餐。"),
        ({"volunteers_needed": "0"}, "志愿者人数请填写 1 到 20 之间的数字。"),
        ({"volunteers_needed": "两个"}, "志愿者人数请填写 1 到 20 之间的数字。"),
        ({"recipient_name": ""}, "请填写老人的姓名。"),
        ({"recipient_address": ""}, "请填写送达地址。"),
        ({"recipient_phone": "call me"}, "电话号码只能填写数字，例如 13800000000 或 0571-88000000。"),
    ],
)
def test_bad_task_input_keeps_what_was_typed(client, team, lead, overrides, message):
    response = as_user(client, lead).post(
        reverse("volunteering:task_new", args=[team.pk]), task_form(**overrides)
    )
    assert response.status_code == 400
    html = page(response)
    assert message in html
    kept = 'value="翠苑一区12幢3单元502室"' if "recipient_address" not in overrides else 'value="翠苑一区"'
    assert kept in html
    if "recipient_notes" not in overrides:
        assert "腿脚不便请送上楼</textarea>" in html
    assert not Task.objects.exists()


def test_a_member_cannot_publish_and_nothing_changes(client, team, member):
    response = as_user(client, member).post(reverse("volunteering:task_new", args=[team.pk]), task_form())
    assert response.status_code == 404
    assert not Task.objects.exists()


@pytest.fixture
def today_task(team, member, other_member):
    task = make_task(team, days=0, needed=2)
    actions.signup_create(task_id=task.pk, user=member)
    actions.signup_create(task_id=task.pk, user=other_member)
    return task


def test_the_lead_confirms_who_did_it(client, today_task, lead, member, other_member):
    as_user(client, lead)
    html = page(client.get(reverse("volunteering:task_confirm", args=[today_task.pk])))
    assert "每位勾选的志愿者获得 20 积分（每个任务只计一次）。确认后，老人的信息将被删除。" in html
    response = client.post(
        reverse("volunteering:task_confirm", args=[today_task.pk]),
        {"volunteers": [str(member.pk)]},
        follow=True,
    )
    assert "已确认完成：1 位志愿者获得积分，老人的信息已删除。" in page(response)
    assert list(PointEntry.objects.values_list("user", "amount")) == [(member.pk, 20)]
    assert not Recipient.objects.filter(task=today_task).exists()
    # The volunteer's page no longer shows the details (they are gone).
    html = page(as_user(client, member).get(reverse("volunteering:task", args=[today_task.pk])))
    for secret in SECRETS:
        assert secret not in html
    assert "+20 积分" in html


def test_confirming_nobody_shows_the_message(client, today_task, lead):
    response = as_user(client, lead).post(reverse("volunteering:task_confirm", args=[today_task.pk]), {})
    assert response.status_code == 400
    assert "请至少勾选一位完成任务的志愿者。" in page(response)
    assert Recipient.objects.filter(task=today_task).exists()


def test_confirming_a_stranger_id_shows_the_message(client, today_task, lead, outsider):
    response = as_user(client, lead).post(
        reverse("volunteering:task_confirm", args=[today_task.pk]), {"volunteers": [str(outsider.pk)]}
    )
    assert response.status_code == 400
    assert "请至少勾选一位完成任务的志愿者。" in page(response)
    assert not PointEntry.objects.exists()


def test_a_member_cannot_confirm_and_nothing_changes(client, today_task, member):
    as_user(client, member)
    response = client.post(
        reverse("volunteering:task_confirm", args=[today_task.pk]), {"volunteers": [str(member.pk)]}
    )
    assert response.status_code == 404
    assert (
        client.post(reverse("volunteering:task_cancel", args=[today_task.pk]), {"reason": "x"}).status_code
        == 404
    )
    today_task.refresh_from_db()
    assert today_task.status == Task.Status.FULL
    assert Recipient.objects.filter(task=today_task).exists()
    assert not PointEntry.objects.exists()


def test_confirming_before_the_day_shows_the_message(client, task, lead, member):
    actions.signup_create(task_id=task.pk, user=member)
    response = as_user(client, lead).post(
        reverse("volunteering:task_confirm", args=[task.pk]), {"volunteers": [str(member.pk)]}
    )
    assert response.status_code == 400
    assert "最早在任务当天才能确认完成。" in page(response)


def test_the_lead_cancels_with_a_reason(client, today_task, lead, member):
    as_user(client, lead)
    response = client.post(reverse("volunteering:task_cancel", args=[today_task.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "请填写原因，志愿者会看到。" in page(response)
    assert Recipient.objects.filter(task=today_task).exists()
    response = client.post(
        reverse("volunteering:task_cancel", args=[today_task.pk]), {"reason": "食堂停电"}, follow=True
    )
    assert "任务已取消，已通知报名的志愿者。" in page(response)
    assert not Recipient.objects.filter(task=today_task).exists()
