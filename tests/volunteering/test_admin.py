import csv
import io
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import User
from core.privacy import masked_phone
from points.models import PointEntry
from tests.csv_safety import ESCAPED, INJECTION, csv_rows, formula_cells
from tests.factories import StaffFactory
from tests.volunteering.factories import TeamFactory, make_task
from volunteering import actions
from volunteering.models import Membership, Recipient, Task, Team

pytestmark = pytest.mark.django_db

TASKS = reverse("admin:volunteering_task_changelist")
TEAMS = reverse("admin:volunteering_team_changelist")
SECRETS = ("陈阿婆", "翠苑一区12幢3单元502室", "0571-88000001", "腿脚不便请送上楼")


@pytest.fixture
def station_staff(station):
    """Station staff of the team's station."""
    user = StaffFactory(real_name="周驿站")
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    station.staff.add(user)
    return user


@pytest.fixture
def plain_staff(db):
    return StaffFactory(real_name="陈审核")


@pytest.fixture
def today_task(team, member, other_member):
    task = make_task(team, days=0, needed=2)
    actions.signup_create(task_id=task.pk, user=member)
    actions.signup_create(task_id=task.pk, user=other_member)
    return task


def test_the_station_staff_group_has_the_permissions(station_staff):
    for perm in ("view_team", "change_team", "view_task", "add_task", "change_task", "see_recipient"):
        assert station_staff.has_perm(f"volunteering.{perm}")
    assert not station_staff.has_perm("volunteering.delete_task")


def test_staff_without_the_permissions_are_refused(client, plain_staff, task):
    client.force_login(plain_staff)
    assert client.get(TASKS).status_code == 403
    assert client.get(reverse("admin:volunteering_task_change", args=[task.pk])).status_code == 403


@pytest.mark.parametrize("count", [1, 5])
def test_task_changelist_queries_do_not_grow(
    client, station, station_staff, django_assert_num_queries, count
):
    for _ in range(count):
        make_task(TeamFactory(station=station))
    client.force_login(station_staff)
    # session, user, permissions (user, group), team filter choices,
    # capped count, rows with team, date hierarchy (first/last day, the days)
    with django_assert_num_queries(9):
        response = client.get(TASKS)
    assert response.status_code == 200


def test_task_changelist_filters_and_search_and_never_shows_details(client, station_staff, task, team):
    other = make_task(TeamFactory(name="西溪助老队", station=team.station), what="晚餐送餐")
    client.force_login(station_staff)
    html = client.get(TASKS, {"team__id__exact": team.pk}).content.decode()
    assert "午餐送餐" in html and "晚餐送餐" not in html
    html = client.get(TASKS, {"q": "晚餐"}).content.decode()
    assert "晚餐送餐" in html and f'value="{task.pk}"' not in html
    html = client.get(TASKS, {"status__exact": "open"}).content.decode()
    assert f'value="{other.pk}"' in html
    for secret in SECRETS:
        assert secret not in client.get(TASKS).content.decode()


def test_the_change_page_shows_the_details_to_staff_with_the_permission(client, station_staff, task):
    client.force_login(station_staff)
    html = client.get(reverse("admin:volunteering_task_change", args=[task.pk])).content.decode()
    for secret in SECRETS:
        assert secret in html


def test_the_change_page_hides_the_details_without_the_permission(client, task, station):
    viewer = StaffFactory()
    viewer.user_permissions.add(*_perms("view_task"))
    station.staff.add(viewer)  # runs the station, but without the permission
    client.force_login(viewer)
    html = client.get(reverse("admin:volunteering_task_change", args=[task.pk])).content.decode()
    assert "已隐藏：你没有查看这些信息的权限。" in html
    for secret in SECRETS:
        assert secret not in html


def _perms(*codenames):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="volunteering", codename__in=codenames)


def test_staff_add_a_task_with_the_details_encrypted(client, station_staff, team):
    client.force_login(station_staff)
    day = timezone.localdate() + timedelta(days=1)
    response = client.post(
        reverse("admin:volunteering_task_add"),
        {
            "team": team.pk,
            "what": "午餐送餐",
            "date": day.isoformat(),
            "starts_at": "11:00",
            "ends_at": "12:00",
            "street": "cuiyuan",
            "area": "翠苑一区",
            "volunteers_needed": "1",
            "description": "",
            "recipient_name": "陈阿婆",
            "recipient_address": "翠苑一区12幢3单元502室",
            "recipient_phone": "",
            "recipient_notes": "",
            "signups-TOTAL_FORMS": "0",
            "signups-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    task = Task.objects.get()
    assert (task.created_by, task.status) == (station_staff, "open")
    assert Recipient.objects.get(task=task).name == "陈阿婆"


def test_admin_confirm_action_awards_points_and_erases(
    client, station_staff, today_task, member, other_member
):
    client.force_login(station_staff)
    response = client.post(
        TASKS, {"action": "confirm_selected", ACTION_CHECKBOX_NAME: [str(today_task.pk)]}, follow=True
    )
    assert "已确认 1 个任务。" in response.content.decode()
    today_task.refresh_from_db()
    assert today_task.status == Task.Status.DONE
    assert sorted(PointEntry.objects.values_list("user", flat=True)) == sorted([member.pk, other_member.pk])
    assert not Recipient.objects.filter(task=today_task).exists()


def test_admin_confirm_action_reports_refusals(client, station_staff, task):
    client.force_login(station_staff)
    response = client.post(
        TASKS, {"action": "confirm_selected", ACTION_CHECKBOX_NAME: [str(task.pk)]}, follow=True
    )
    assert f"#{task.pk}: 最早在任务当天才能确认完成。" in response.content.decode()
    assert Recipient.objects.filter(task=task).exists()


def test_admin_cancel_action(client, station_staff, task):
    client.force_login(station_staff)
    response = client.post(
        TASKS, {"action": "cancel_selected", ACTION_CHECKBOX_NAME: [str(task.pk)]}, follow=True
    )
    assert "已取消 1 个任务。" in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.cancel_reason) == ("cancelled", "由驿站管理员取消。")
    assert not Recipient.objects.filter(task=task).exists()


def test_csv_export_of_completed_tasks_without_the_details(
    client, station_staff, today_task, lead, member, other_member
):
    actions.task_confirm(task_id=today_task.pk, acting_user=lead, volunteer_ids=[member.pk])
    make_task(today_task.team)  # an open task: not exported
    client.force_login(station_staff)
    response = client.post(TASKS, {"action": "export_done_csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    day = today_task.date.isoformat()
    assert rows[0] == [
        "任务", "服务队", "日期", "时间", "街道", "区域", "服务内容", "志愿者", "电话", "已完成", "积分", "确认时间",
    ]  # fmt: skip
    assert [row[:11] for row in rows[1:]] == [
        [str(today_task.pk), "助老专送小哥队", day, "11:00-12:00", "翠苑街道", "翠苑一区", "午餐送餐",
         "张伟", masked_phone(member.phone), "是", "20"],
        [str(today_task.pk), "助老专送小哥队", day, "11:00-12:00", "翠苑街道", "翠苑一区", "午餐送餐",
         "王强", masked_phone(other_member.phone), "否", "0"],
    ]  # fmt: skip
    for secret in SECRETS:
        assert secret not in text


def test_team_admin_with_members_inline(client, station_staff, team, member):
    client.force_login(station_staff)
    assert client.get(TEAMS).status_code == 200
    html = client.get(reverse("admin:volunteering_team_change", args=[team.pk])).content.decode()
    assert "张伟" in html


def test_team_added_in_admin_has_its_lead_as_member(client, station, station_staff, lead):
    client.force_login(station_staff)
    response = client.post(
        reverse("admin:volunteering_team_add"),
        {
            "name": "西溪助老队",
            "description": "",
            "station": station.pk,
            "lead": lead.pk,
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    team = Team.objects.get(name="西溪助老队")
    assert list(team.memberships.values_list("user", "status")) == [(lead.pk, Membership.Status.ACTIVE)]


def test_whether_details_are_shown_is_decided_per_request(rf, station_staff, task):
    from django.contrib import admin as django_admin

    model_admin = django_admin.site._registry[Task]
    allowed, refused = rf.get("/"), rf.get("/")
    allowed.user = station_staff
    refused.user = StaffFactory()
    refused.user.user_permissions.add(*_perms("view_task"))
    assert "recipient_details" in model_admin.get_fields(allowed, task)
    # A request without the permission never gets the details field, whatever came before it.
    for request in (refused, allowed, refused):
        fields = model_admin.get_fields(request, task)
        assert ("recipient_details" in fields) is (request is allowed)
        assert ("recipient_hidden" in fields) is (request is refused)
        assert fields == model_admin.get_readonly_fields(request, task)


def test_the_admin_keeps_no_request_between_requests(client, station_staff, task):
    from django.contrib import admin as django_admin
    from django.http import HttpRequest

    client.force_login(station_staff)
    assert client.get(reverse("admin:volunteering_task_change", args=[task.pk])).status_code == 200
    model_admin = django_admin.site._registry[Task]
    assert not [name for name, value in vars(model_admin).items() if isinstance(value, HttpRequest)]


def _task_post(team, **changes):
    data = {
        "team": team.pk,
        "what": "午餐送餐",
        "date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "starts_at": "11:00",
        "ends_at": "12:00",
        "street": "cuiyuan",
        "area": "翠苑一区",
        "volunteers_needed": "1",
        "description": "",
        "recipient_name": "陈阿婆",
        "recipient_address": "翠苑一区12幢3单元502室",
        "recipient_phone": "0571-88000001",
        "recipient_notes": "",
        "signups-TOTAL_FORMS": "0",
        "signups-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"volunteers_needed": "0"}, "志愿者人数请填写 1 到 20 之间的数字。"),
        ({"volunteers_needed": "-3"}, "志愿者人数请填写 1 到 20 之间的数字。"),
        ({"volunteers_needed": "21"}, "志愿者人数请填写 1 到 20 之间的数字。"),
        ({"date": (timezone.localdate() - timedelta(days=1)).isoformat()}, "任务日期不能早于今天。"),
        ({"recipient_phone": "call me"}, "电话号码只能填写数字，例如 13800000000 或 0571-88000000。"),
    ],
)
def test_bad_task_input_in_admin_is_refused_with_a_clear_message(
    client, station_staff, team, changes, message
):
    client.force_login(station_staff)
    response = client.post(reverse("admin:volunteering_task_add"), _task_post(team, **changes))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Constraint" not in html and "约束" not in html
    assert 'value="翠苑一区12幢3单元502室"' in html  # what was typed is kept
    assert not Task.objects.exists()
    assert not Recipient.objects.exists()


def test_csv_export_escapes_cells_a_spreadsheet_would_run(client, station_staff, today_task, lead, member):
    User.objects.filter(pk=member.pk).update(real_name=INJECTION)
    actions.task_confirm(task_id=today_task.pk, acting_user=lead, volunteer_ids=[member.pk])
    client.force_login(station_staff)
    rows = csv_rows(client.post(TASKS, {"action": "export_done_csv"}))
    mine = next(row for row in rows[1:] if row[7] == ESCAPED)
    assert mine[8] == masked_phone(member.phone)  # station staff: masked (accounts.see_phone_number)
    assert formula_cells(rows) == []
