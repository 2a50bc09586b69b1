"""Staff in Django admin: the request queue, steps through actions, overdue, CSV; the directory."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import User
from notifications.models import Message
from services import selectors
from services.models import ServiceRequest, ServiceRequestNote
from tests.csv_safety import ESCAPED, INJECTION, csv_rows, formula_cells
from tests.factories import StaffFactory
from tests.services.factories import PointFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:services_servicerequest_changelist")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def staff(client):
    user = StaffFactory(real_name="周服务")
    user.groups.add(Group.objects.get(name=roles.SERVICE_STAFF))
    client.force_login(user)
    return user


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "now, created, overdue",
    [
        # Two working days after Friday 17:00 is Tuesday 17:00.
        ("2026-03-10T16:59", "2026-03-06T17:00", False),
        ("2026-03-10T17:01", "2026-03-06T17:00", True),
        # Saturday's request: Monday and Tuesday are its two working days.
        ("2026-03-10T23:59", "2026-03-07T10:00", False),
        ("2026-03-11T00:01", "2026-03-07T10:00", True),
        ("2026-03-04T09:00", "2026-03-02T09:30", False),
        ("2026-03-04T10:00", "2026-03-02T09:30", True),
    ],
)
def test_overdue_after_two_working_days(now, created, overdue):
    request = ServiceRequest(status="new", created_at=at(created))
    assert selectors.request_is_overdue(request, at(now)) is overdue
    request.status = "assigned"
    assert selectors.request_is_overdue(request, at(now)) is False


def test_overdue_is_configurable(settings):
    settings.SERVICES_OVERDUE_WORKING_DAYS = 5
    assert selectors.overdue_cutoff(at("2026-03-09T12:00")) == at("2026-03-02T12:00")


def make_queue(staff):
    old = ServiceRequestFactory(description="很久没人管的诉求")
    ServiceRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    fresh = ServiceRequestFactory(description="刚提交的诉求")
    mine = ServiceRequestFactory(status="assigned", assignee=staff, assigned_at=timezone.now())
    return old, fresh, mine


def test_queue_highlights_and_filters_overdue(client, staff, django_assert_num_queries):
    old, _fresh, mine = make_queue(staff)
    ServiceRequestFactory.create_batch(20)
    # The list joins worker and assignee, so the count does not grow with the rows:
    # session, user, permissions (user's, group's), the count, the page.
    with django_assert_num_queries(6):
        response = client.get(LIST_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("⚠ 逾期") == 1
    response = client.get(LIST_URL, {"overdue": "yes"})
    assert [r.pk for r in response.context["cl"].result_list] == [old.pk]
    response = client.get(LIST_URL, {"mine": "yes"})
    assert [r.pk for r in response.context["cl"].result_list] == [mine.pk]


def test_staff_take_a_request_through_its_steps_in_the_change_form(client, staff):
    request = ServiceRequestFactory()
    url = reverse("admin:services_servicerequest_change", args=[request.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()  # status is never a form field
    assert client.post(url, {"step": "assign", "note": "先电话了解情况"}).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.assignee) == ("assigned", staff)
    assert ServiceRequestNote.objects.get(request=request).text == "先电话了解情况"
    response = client.post(url, {"step": "resolve", "reply": "", "note": "律师说要看合同"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["reply"] == ["请填写给小哥的答复。"]
    assert "律师说要看合同" in response.content.decode()  # kept in the form, to send again
    request.refresh_from_db()
    assert request.status == "assigned"  # the step refused before its note was saved
    assert request.notes.count() == 1
    other = StaffFactory()
    other.groups.add(Group.objects.get(name=roles.SERVICE_STAFF))
    ServiceRequest.objects.filter(pk=request.pk).update(assignee=other)
    response = client.post(url, {"step": "start", "note": "我来跟进"})
    assert response.status_code == 200  # the action's refusal, shown on the form
    assert response.context["adminform"].form.errors == {"__all__": ["请先把这条诉求认领到自己名下。"]}
    request.refresh_from_db()
    assert (request.status, request.notes.count()) == ("assigned", 1)
    ServiceRequest.objects.filter(pk=request.pk).update(assignee=staff)
    client.post(url, {"step": "resolve", "reply": "已联系站点，工资本周补发。"})
    request.refresh_from_db()
    assert (request.status, request.reply) == ("resolved", "已联系站点，工资本周补发。")
    assert Message.objects.filter(recipient=request.worker, kind="service_request_resolved").count() == 2


def test_bulk_assign_to_me_and_csv_export(client, staff):
    old, fresh, mine = make_queue(staff)
    response = client.post(LIST_URL, {"action": "assign_to_me", "_selected_action": [old.pk, fresh.pk]})
    assert response.status_code == 302
    assert set(ServiceRequest.objects.filter(assignee=staff).values_list("pk", flat=True)) == {
        old.pk,
        fresh.pk,
        mine.pk,
    }
    response = client.post(
        LIST_URL, {"action": "export_csv", "_selected_action": [old.pk, fresh.pk, mine.pk]}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert (
        body[0] == "编号,创建时间,类型,状态,逾期,小哥,小哥手机号,服务,经办人,受理时间,办结时间,关闭时间,评分"
    )
    assert len(body) == 4
    assert body[1].startswith(f"{old.reference},")
    assert ",法律咨询,已受理,," in body[1]


def test_staff_without_the_group_cannot_open_the_queue(client):
    client.force_login(StaffFactory())
    assert client.get(LIST_URL).status_code == 403


def test_point_admin_has_the_map_preview_and_amenity_checkboxes(client, staff):
    point = PointFactory(amenities=["charging"])
    response = client.get(reverse("admin:services_servicepoint_change", args=[point.pk]))
    page = response.content.decode()
    assert 'id="point-map"' in page
    assert "vendor/leaflet/leaflet.js" in page
    assert 'type="checkbox" name="amenities" value="charging"' in page


def test_csv_export_escapes_cells_a_spreadsheet_would_run(client, staff):
    request = ServiceRequestFactory()
    User.objects.filter(pk=request.worker_id).update(real_name=INJECTION)
    response = client.post(LIST_URL, {"action": "export_csv", "_selected_action": [request.pk]})
    rows = csv_rows(response)
    assert rows[1][5] == ESCAPED
    assert formula_cells(rows) == []


def steps_offered(page) -> list[str]:
    form = page.context["adminform"].form
    return [name for name, _label in form.fields["step"].choices if name]


def test_next_step_lists_only_the_steps_allowed_now_and_to_this_person(client, staff):
    # Issue 19, item 7: "start" and "resolve" are the assignee's, so a colleague's request offers neither.
    new = ServiceRequestFactory()
    mine = ServiceRequestFactory(status="assigned", assignee=staff, assigned_at=timezone.now())
    colleague = StaffFactory()
    colleague.groups.add(Group.objects.get(name=roles.SERVICE_STAFF))
    theirs = ServiceRequestFactory(status="in_progress", assignee=colleague, assigned_at=timezone.now())
    change = "admin:services_servicerequest_change"
    assert steps_offered(client.get(reverse(change, args=[new.pk]))) == ["assign", "resolve", "close"]
    assert steps_offered(client.get(reverse(change, args=[mine.pk]))) == ["start", "resolve", "close"]
    # Taking it over from the colleague stays possible (services.actions.TAKE_OVER_FROM).
    assert steps_offered(client.get(reverse(change, args=[theirs.pk]))) == ["assign", "close"]


def test_a_new_request_is_resolved_in_one_save(client, staff):
    request = ServiceRequestFactory()
    url = reverse("admin:services_servicerequest_change", args=[request.pk])
    response = client.post(url, {"step": "resolve", "reply": "已帮你联系站点。", "note": "电话核实"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.assignee, request.reply) == ("resolved", staff, "已帮你联系站点。")
    assert request.assigned_at is not None and request.started_at is not None
    assert list(request.events.values_list("from_status", "to_status")) == [("new", "resolved")]


def test_a_step_refused_because_a_colleague_took_the_request_keeps_the_reply(client, staff):
    request = ServiceRequestFactory()
    url = reverse("admin:services_servicerequest_change", args=[request.pk])
    colleague = StaffFactory()
    colleague.groups.add(Group.objects.get(name=roles.SERVICE_STAFF))
    # The page was drawn while the request was new; a colleague takes it on before the save.
    ServiceRequest.objects.filter(pk=request.pk).update(
        status="assigned", assignee=colleague, assigned_at=timezone.now()
    )
    response = client.post(url, {"step": "resolve", "reply": "合同已看过，请周五来站点。", "note": "跟进"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"__all__": ["请先把这条诉求认领到自己名下。"]}
    page = response.content.decode()
    assert "合同已看过，请周五来站点。</textarea>" in page and "跟进</textarea>" in page
    request.refresh_from_db()
    assert (request.status, request.assignee, request.notes.count()) == ("assigned", colleague, 0)
