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
        [
            "id",
            "time",
            "name",
            "phone",
            "points",
            "balance_after",
            "reason",
            "reason_label",
            "note",
            "source_id",
        ],
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
    assert "确保该值大于或等于0。" in response.content.decode()
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
