import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from governance import actions
from governance.models import ApiKey, GridMember, Report
from points.models import PointEntry
from tests.csv_safety import ESCAPED, INJECTION, csv_rows, formula_cells
from tests.factories import UserFactory
from tests.governance.factories import category, clean_photo, photo_upload

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:governance_report_changelist")


@pytest.fixture
def report(member, grid):
    report, _ = actions.report_submit(
        reporter=member, category=category(), lat=Decimal("30.2831"), lng=Decimal("120.0951"),
        photos=[clean_photo()], description="=HYPERLINK(\"x\")",
    )  # fmt: skip
    return report


def triage(client, report, **data):
    return client.post(reverse("admin:governance_report_triage", args=[report.pk]), data)


@pytest.mark.parametrize("who, status", [("grid_admin", 200), ("checker", 403), ("member", 302)])
def test_triage_queue_is_for_grid_admins(client, request, report, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(CHANGELIST).status_code == status
    response = triage(client, report, decision="accept")
    assert response.status_code in {403, 302} if who != "grid_admin" else response.status_code == 302
    report.refresh_from_db()
    assert report.status == ("accepted" if who == "grid_admin" else "submitted")


def test_triage_accept_then_points_then_dispatch_and_resolve_with_a_photo(client, grid_admin, report, member):
    client.force_login(grid_admin)
    assert triage(client, report, decision="accept").status_code == 302
    assert PointEntry.objects.get(user=member).amount == 10
    assert triage(client, report, decision="dispatch", department="西湖区市政所").status_code == 302
    response = client.post(
        reverse("admin:governance_report_triage", args=[report.pk]),
        {"decision": "resolve", "note": "已补装井盖。", "photo": photo_upload()},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.department) == ("resolved", "西湖区市政所")
    assert report.photos.filter(kind="fix").count() == 1


def test_triage_errors_are_shown_not_raised(client, grid_admin, report):
    client.force_login(grid_admin)
    response = triage(client, report, decision="reject", note="")
    assert response.status_code == 200
    assert "请填写原因，上报人会看到。" in response.content.decode()
    response = triage(client, report, decision="duplicate", duplicate_of="999999")
    assert "没有这个编号的随手报。" in response.content.decode()
    response = client.post(
        reverse("admin:governance_report_triage", args=[report.pk]),
        {"decision": "resolve", "note": "x", "photo": photo_upload(b"not an image")},
    )
    assert "无法识别这个文件" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "submitted"


def test_overdue_reports_are_highlighted_and_filtered(client, grid_admin, report):
    Report.objects.filter(pk=report.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client.force_login(grid_admin)
    # The row's link, not "#<id>" alone: "&#10006;" of the "clear all filters" link holds "#1".
    row = reverse("admin:governance_report_change", args=[report.pk])
    page = client.get(CHANGELIST, {"age": "overdue"}).content.decode()
    assert row in page
    assert "⚠ 逾期" in page
    Report.objects.filter(pk=report.pk).update(due_at=timezone.now() + timedelta(hours=1))
    assert row not in client.get(CHANGELIST, {"age": "overdue"}).content.decode()


def test_changelist_queries_do_not_grow(client, grid_admin, member, grid, django_assert_num_queries):
    client.force_login(grid_admin)
    for _ in range(2):
        actions.report_submit(
            reporter=member,
            category=category(),
            lat=Decimal("30.2831"),
            lng=Decimal("120.0951"),
            photos=[clean_photo()],
        )
    # session, user, permissions (user + groups), count, filter choices (categories, grids),
    # the page of rows with its joins: the same for 2 rows and for 7.
    with django_assert_num_queries(8) as first:
        client.get(CHANGELIST)
    for _ in range(5):
        actions.report_submit(
            reporter=member,
            category=category(),
            lat=Decimal("30.2831"),
            lng=Decimal("120.0951"),
            photos=[clean_photo()],
        )
    with django_assert_num_queries(len(first)):
        client.get(CHANGELIST)


def test_csv_export(client, grid_admin, report):
    client.force_login(grid_admin)
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [report.pk]})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == ["编号", "提交时间", "类别", "网格", "街道", "状态"]
    assert rows[1][0] == str(report.pk)
    assert rows[1][2] == "道路交通隐患"
    assert rows[1][13] == '\'=HYPERLINK("x")'  # no formula injection


def test_bulk_accept_reports_errors_per_report(client, grid_admin, report):
    client.force_login(grid_admin)
    client.post(CHANGELIST, {"action": "accept_selected", "_selected_action": [report.pk]})
    response = client.post(
        CHANGELIST, {"action": "accept_selected", "_selected_action": [report.pk]}, follow=True
    )
    assert f"#{report.pk}: 这份随手报现在是“已受理”，不能受理。" in response.content.decode()
    assert PointEntry.objects.count() == 1


def test_grid_admin_appoints_and_ends_a_member(client, grid_admin, grid):
    worker = UserFactory()
    client.force_login(grid_admin)
    response = client.post(
        reverse("admin:governance_gridmember_add"),
        {"grid": grid.pk, "user": worker.pk, "starts_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    member = GridMember.objects.get(user=worker)
    assert member.appointed_by == grid_admin
    assert worker.messages.filter(kind="grid_member_appointed").count() == 1
    client.post(
        reverse("admin:governance_gridmember_changelist"),
        {"action": "end_selected", "_selected_action": [member.pk]},
    )
    member.refresh_from_db()
    assert member.ends_on == timezone.localdate()


def test_issuing_an_api_key_shows_it_once_and_stores_its_hash(client, grid_admin):
    client.force_login(grid_admin)
    response = client.post(reverse("admin:governance_apikey_add"), {"name": "12345 热线"}, follow=True)
    key = ApiKey.objects.get()
    page = response.content.decode()
    start = page.index("12345 热线 的密钥是：") + len("12345 热线 的密钥是：")
    raw = page[start : start + 43]
    assert ApiKey.hash(raw) == key.key_hash
    assert key.prefix == raw[:8]
    assert raw not in client.get(reverse("admin:governance_apikey_change", args=[key.pk])).content.decode()


def test_report_csv_escapes_cells_a_spreadsheet_would_run(client, grid_admin, report):
    Report.objects.filter(pk=report.pk).update(address=INJECTION)
    client.force_login(grid_admin)
    rows = csv_rows(client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [report.pk]}))
    assert rows[1][10] == ESCAPED
    assert formula_cells(rows) == []


def test_the_triage_search_finds_a_report_by_its_number_or_its_text(client, grid_admin, member, grid):
    client.force_login(grid_admin)
    first, _ = actions.report_submit(
        reporter=member, category=category(), lat=Decimal("30.2831"), lng=Decimal("120.0951"),
        photos=[clean_photo()], description="路灯不亮", address="文三路口",
    )  # fmt: skip
    second, _ = actions.report_submit(
        reporter=member, category=category(), lat=Decimal("30.2831"), lng=Decimal("120.0951"),
        photos=[clean_photo()], description="井盖松动", address="学院路口",
    )  # fmt: skip

    def found(term: str) -> list[int]:
        response = client.get(CHANGELIST, {"q": term})
        assert response.status_code == 200
        return [row.pk for row in response.context["cl"].result_list]

    assert found(str(second.pk)) == [second.pk]
    assert found("文三路") == [first.pk]
    assert found("井盖") == [second.pk]
    assert found("文三路 路灯") == [first.pk]  # every term must be found
    assert found("文三路 井盖") == []
    assert found("#1") == []  # not a number: no id lookup, and no text has it
