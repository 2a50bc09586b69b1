"""The ledger in admin is read-only with a CSV export; the rules change through the audited action,
with their own permission."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.exceptions import PermissionDenied
from core.models import AuditEntry
from points import actions
from points.models import PointEntry
from tests.csv_safety import ESCAPED, INJECTION, csv_rows, formula_cells
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MISSING = "您没有执行此操作的权限（%s）。"


def test_points_ledger_is_read_only_in_admin(client, grid_admin, member):
    entry = actions.points_add(user=member, amount=5, reason="adjustment")
    client.force_login(grid_admin)
    assert client.get(reverse("admin:points_pointentry_changelist")).status_code == 200
    assert client.get(reverse("admin:points_pointentry_add")).status_code == 403
    assert client.post(reverse("admin:points_pointentry_delete", args=[entry.pk])).status_code == 403


def test_points_ledger_csv_follows_the_filters_and_refuses_other_staff(client, grid_admin, member, checker):
    from tests.factories import WorkerProfileFactory

    WorkerProfileFactory(user=member, street="jiangcun")
    WorkerProfileFactory(street="xixi")
    actions.points_add(user=member, amount=10, reason="report_accepted", note="=cmd")
    actions.points_add(user=UserFactory(), amount=7, reason="adjustment")
    export = reverse("admin:points_pointentry_export")

    client.force_login(checker)
    assert client.get(export).status_code == 403

    client.force_login(grid_admin)
    response = client.get(export, {"street": "jiangcun"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    entry = PointEntry.objects.get(user=member)
    assert rows == [
        ["编号", "时间", "姓名", "手机号码", "积分", "变动后余额", "原因代码", "原因", "备注", "来源编号"],
        [
            str(entry.pk),
            timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M"),
            member.real_name,
            "'" + member.phone,  # +86… would be a formula; the apostrophe keeps it readable text
            "10",
            "10",
            "report_accepted",
            "随手报被受理",
            "'=cmd",
            "",
        ],
    ]
    changelist = client.get(reverse("admin:points_pointentry_changelist")).content.decode()
    assert reverse("admin:points_pointentry_export") in changelist


def test_a_point_rule_cannot_take_points_away(client, grid_admin):
    from django.db import IntegrityError, transaction

    from points.models import PointRule

    rule = PointRule.objects.get(event="event_attended")
    client.force_login(grid_admin)
    response = client.post(
        reverse("admin:points_pointrule_change", args=[rule.pk]),
        {"event": "event_attended", "amount": "-5", "description": rule.description},
    )
    assert response.status_code == 200
    assert "不能小于 0。" in response.content.decode()
    rule.refresh_from_db()
    assert rule.amount == 10
    with pytest.raises(IntegrityError), transaction.atomic():
        PointRule.objects.filter(pk=rule.pk).update(amount=-1)


def test_points_ledger_csv_escapes_cells_a_spreadsheet_would_run(client, grid_admin, member):
    User.objects.filter(pk=member.pk).update(real_name=INJECTION)
    actions.points_add(user=member, amount=10, reason="report_accepted", note="@cmd")
    client.force_login(grid_admin)
    rows = csv_rows(client.get(reverse("admin:points_pointentry_export")))
    assert (rows[1][2], rows[1][3], rows[1][8]) == (ESCAPED, "'" + member.phone, "'@cmd")
    assert formula_cells(rows) == []


def test_a_point_rule_changes_only_with_its_permission(checker):
    from points.models import PointRule

    rule = PointRule.objects.get(event="report_accepted")
    with pytest.raises(PermissionDenied) as error:
        actions.pointrule_save(rule_id=rule.pk, values={"amount": 99}, acting_user=checker)
    assert error.value.message == MISSING % "points.change_pointrule"
    rule.refresh_from_db()
    assert (rule.amount, AuditEntry.objects.count()) == (10, 0)


def test_changing_a_point_rule_in_the_admin_is_audited(client, grid_admin):
    from points.models import PointRule

    rule = PointRule.objects.get(event="report_accepted")
    client.force_login(grid_admin)
    url = reverse("admin:points_pointrule_change", args=[rule.pk])
    response = client.post(url, {"event": rule.event, "amount": "25", "description": rule.description})
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("admin:points_pointrule_changelist"),
    )
    rule.refresh_from_db()
    assert rule.amount == 25
    entry = AuditEntry.objects.get(action="points.rule.change")
    assert (entry.actor_id, entry.target_id, entry.data) == (
        grid_admin.pk,
        str(rule.pk),
        {"changed": {"amount": {"from": 10, "to": 25}}},
    )


def test_the_ledger_list_asks_the_ledger_for_no_distinct_values_and_no_full_count(client, grid_admin, member):
    """Its filters come from the calendar and the registry, its count is capped (issue 23)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actions.points_add(user=member, amount=5, reason="adjustment")
    client.force_login(grid_admin)
    month = timezone.localdate().strftime("%Y-%m")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:points_pointentry_changelist"), {"created_at_month": month})

    assert response.status_code == 200
    ledger = [query["sql"] for query in queries.captured_queries if "points_pointentry" in query["sql"]]
    assert [sql for sql in ledger if "DISTINCT" in sql] == []
    counts = [sql for sql in ledger if "COUNT(" in sql]
    assert counts and all(
        sql.startswith("SELECT COUNT(*) FROM (SELECT") and " LIMIT " in sql for sql in counts
    )
    filters = response.context["cl"].filter_specs
    month_choices = [choice["display"] for choice in filters[0].choices(response.context["cl"])]
    assert month_choices[:2] == ["全部", month]
    assert len(month_choices) == 25
    reasons = [choice["display"] for choice in filters[1].choices(response.context["cl"])]
    assert reasons[0] == "全部" and "adjustment" not in reasons and len(reasons) > 5


def test_the_ledger_month_filter_counts_calendar_months(client, grid_admin, member):
    import datetime as dt

    from points.models import PointEntry

    actions.points_add(user=member, amount=5, reason="adjustment")
    actions.points_add(user=member, amount=3, reason="adjustment")
    first, last = PointEntry.objects.order_by("pk")
    # The end of January and the first instant of February, in the portal's time zone.
    january_end = timezone.make_aware(dt.datetime(2026, 1, 31, 23, 59, 59))
    PointEntry.objects.filter(pk=first.pk).update(created_at=january_end)
    PointEntry.objects.filter(pk=last.pk).update(created_at=january_end + dt.timedelta(seconds=1))
    client.force_login(grid_admin)
    changelist = reverse("admin:points_pointentry_changelist")

    january = client.get(changelist, {"created_at_month": "2026-01"}).context["cl"].result_list
    february = client.get(changelist, {"created_at_month": "2026-02"}).context["cl"].result_list

    assert [entry.pk for entry in january] == [first.pk]
    assert [entry.pk for entry in february] == [last.pk]


@pytest.mark.parametrize("month", ["2026-13", "2026", "abc", "0000-01", "99999-01", "2026-1-1"])
def test_a_month_that_is_not_one_is_refused_like_any_bad_filter(client, grid_admin, member, month):
    actions.points_add(user=member, amount=5, reason="adjustment")
    client.force_login(grid_admin)
    changelist = reverse("admin:points_pointentry_changelist")

    response = client.get(changelist, {"created_at_month": month})

    # Django's answer to a filter value it cannot use: back to the list, with ?e=1.
    assert response.status_code == 302
    assert response["Location"] == f"{changelist}?e=1"
