from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from core.exceptions import ApplicationError, TransitionNotAllowed
from core.models import AuditEntry
from governance import actions
from governance.models import Report, ReportFollow, ReportUpdate
from notifications.models import Message
from points.models import PointAccount, PointEntry, PointRule
from tests.governance.factories import category, clean_photo

pytestmark = pytest.mark.django_db

LAT, LNG = Decimal("30.283100"), Decimal("120.095100")


def submit(reporter, code="road", **overrides):
    fields = {"lat": LAT, "lng": LNG, "photos": [clean_photo()], "description": "井盖缺失"}
    fields.update(overrides)
    report, created = actions.report_submit(reporter=reporter, category=category(code), **fields)
    assert created
    return report


def test_a_report_finds_its_grid_and_is_routed_to_the_category_department(member, grid):
    report = submit(member, code="sanitation")
    assert report.grid == grid
    assert report.street == "jiangcun"
    assert report.department == "区环卫中心"
    assert report.status == "submitted"
    assert report.due_at == report.created_at + timedelta(hours=48)
    assert report.photos.count() == 1
    assert list(report.updates.values_list("status", "actor_role")) == [("submitted", "reporter")]
    assert AuditEntry.objects.filter(action="grid.report.submit", target_id=str(report.pk)).count() == 1


def test_a_report_outside_every_grid_keeps_its_location_without_a_grid(member):
    report = submit(member, lat=Decimal("30.160000"), lng=Decimal("120.105000"))
    assert (report.grid, report.lat, report.street) == (None, Decimal("30.160000"), "")


def test_street_instead_of_location(member):
    report = submit(member, lat=None, lng=None, street="xixi")
    assert (report.grid, report.lat, report.street) == (None, None, "xixi")


def test_only_grid_members_can_report(outsider):
    with pytest.raises(actions.NotAGridMember) as error:
        submit(outsider)
    assert error.value.message == "只有已任命的网格员才能随手报。请联系所在社区的网格管理员任命你。"
    assert Report.objects.count() == 0


def test_an_ended_appointment_no_longer_allows_reports(member, grid_admin):
    membership = member.grid_memberships.get()
    actions.gridmember_end(member_id=membership.pk, acting_user=grid_admin)
    with pytest.raises(actions.NotAGridMember):
        submit(member)


def test_the_same_client_uuid_files_one_report(member):
    first = submit(member, client_uuid="8e4c9f5e-4b7a-4d35-9d53-0f1a5e2b7c11")
    again, created = actions.report_submit(
        reporter=member,
        category=category(),
        lat=LAT,
        lng=LNG,
        photos=[clean_photo()],
        client_uuid=first.client_uuid,
    )
    assert (again, created) == (first, False)
    assert Report.objects.count() == 1


@pytest.mark.parametrize("count, message", [(0, "请拍摄或选择至少一张问题照片。"), (4, "最多添加三张照片。")])
def test_one_to_three_photos(member, count, message):
    with pytest.raises(ApplicationError) as error:
        submit(member, photos=[clean_photo() for _ in range(count)])
    assert error.value.message == message


def test_the_full_way_to_resolved(member, grid_admin):
    report = submit(member)
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    actions.report_dispatch(report_id=report.pk, acting_user=grid_admin)
    actions.report_resolve(
        report_id=report.pk, acting_user=grid_admin, note="井盖已补装。", photo=clean_photo()
    )
    report.refresh_from_db()
    assert report.status == "resolved"
    assert report.resolved_at is not None
    assert list(report.updates.values_list("status", "note")) == [
        ("submitted", ""),
        ("accepted", ""),
        ("dispatched", "已转交区城管局（市政设施）。"),
        ("resolved", "井盖已补装。"),
    ]
    assert report.photos.filter(kind="fix").count() == 1
    assert list(
        Message.objects.filter(recipient=member, channel="inbox")
        .order_by("id")
        .values_list("subject", flat=True)
    ) == ["你的随手报已受理", "你的随手报已转交处理", "你的随手报已办结"]


@pytest.mark.parametrize(
    "action, kwargs",
    [
        (actions.report_dispatch, {}),
        (actions.report_resolve, {"note": "好了"}),
    ],
)
def test_steps_cannot_be_skipped(member, grid_admin, action, kwargs):
    report = submit(member)
    with pytest.raises(TransitionNotAllowed):
        action(report_id=report.pk, acting_user=grid_admin, **kwargs)
    report.refresh_from_db()
    assert report.status == "submitted"
    assert report.updates.count() == 1


def test_reject_needs_a_reason_the_reporter_sees(member, grid_admin):
    report = submit(member)
    with pytest.raises(ApplicationError) as error:
        actions.report_reject(report_id=report.pk, acting_user=grid_admin, reason=" ")
    assert error.value.message == "请填写原因，上报人会看到。"
    actions.report_reject(report_id=report.pk, acting_user=grid_admin, reason="照片中看不到问题。")
    report.refresh_from_db()
    assert (report.status, report.reject_reason) == ("rejected", "照片中看不到问题。")
    assert PointEntry.objects.count() == 0
    with pytest.raises(TransitionNotAllowed) as error:
        actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    assert error.value.message == "这份随手报现在是“未受理”，不能受理。"


def test_duplicate_points_at_the_first_report_and_follows_it(member, grid_admin, grid):
    first = submit(member)
    second = submit(member)
    third = submit(member)
    actions.report_mark_duplicate(report_id=second.pk, original_id=first.pk, acting_user=grid_admin)
    actions.report_mark_duplicate(report_id=third.pk, original_id=second.pk, acting_user=grid_admin)
    third.refresh_from_db()
    assert (third.status, third.duplicate_of_id) == ("duplicate", first.pk)
    assert ReportFollow.objects.filter(report=first, user=member).count() == 1
    with pytest.raises(ApplicationError):
        actions.report_mark_duplicate(report_id=first.pk, original_id=first.pk, acting_user=grid_admin)


def test_accepted_report_earns_points_once_also_after_a_reopen(member, grid_admin):
    report = submit(member)
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    actions.report_resolve(report_id=report.pk, acting_user=grid_admin, note="已处理。")
    actions.report_reopen(report_id=report.pk, user=member, note="井盖又不见了")
    report.refresh_from_db()
    assert (report.status, report.reopen_count, report.resolved_at) == ("submitted", 1, None)
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    entries = PointEntry.objects.filter(user=member)
    assert list(entries.values_list("amount", "reason", "source_id", "balance_after")) == [
        (10, "report_accepted", str(report.pk), 10)
    ]
    assert entries.get().source == report
    assert PointAccount.objects.get(user=member).balance == 10


def test_point_value_comes_from_the_rule(member, grid_admin):
    PointRule.objects.filter(event="report_accepted").update(amount=25)
    report = submit(member)
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    assert PointAccount.objects.get(user=member).balance == 25


def test_reopen_only_within_fourteen_days_and_only_by_the_reporter(member, outsider, grid_admin):
    report = submit(member)
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    actions.report_resolve(report_id=report.pk, acting_user=grid_admin, note="已处理。")
    with pytest.raises(ApplicationError) as error:
        actions.report_reopen(report_id=report.pk, user=outsider, note="")
    assert error.value.message == "只有上报人可以重新打开这份随手报。"
    Report.objects.filter(pk=report.pk).update(resolved_at=timezone.now() - timedelta(days=14, minutes=1))
    with pytest.raises(TransitionNotAllowed) as error:
        actions.report_reopen(report_id=report.pk, user=member, note="")
    assert error.value.message == "办结后14天内才能重新打开。"
    assert Report.objects.get(pk=report.pk).status == "resolved"


def test_partner_report_has_no_reporter_and_earns_nothing(grid_admin, grid):
    key, _raw = actions.apikey_issue(name="12345 热线", acting_user=grid_admin)
    report = actions.report_submit_partner(
        api_key=key, category=category(), description="路面塌陷", lat=LAT, lng=LNG
    )
    assert (report.reporter, report.grid) == (None, grid)
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    assert PointEntry.objects.count() == 0
    assert ReportUpdate.objects.filter(report=report).first().actor_role == "partner"


def test_appointing_twice_is_refused(grid, member, grid_admin):
    with pytest.raises(ApplicationError) as error:
        actions.gridmember_appoint(grid=grid, user=member, acting_user=grid_admin)
    assert error.value.message == "这位小哥已经是这个网格的网格员。"


def test_the_reporter_reads_chinese_subject_and_body_while_the_grid_admin_reads_english(
    member, grid_admin, outsider
):
    """Issue 15: with staff reading admin in English, the reporter got a Chinese subject and an
    English body (the body was formatted in the acting person's language, the subject later)."""
    report, rejected, first, duplicate, noted = (submit(member) for _ in range(5))
    ReportFollow.objects.create(report=report, user=outsider)
    with translation.override("en"):
        actions.report_accept(report_id=report.pk, acting_user=grid_admin)
        actions.report_dispatch(report_id=report.pk, acting_user=grid_admin, department="区城管局")
        actions.report_resolve(report_id=report.pk, acting_user=grid_admin, note="井盖已补装。")
        actions.report_reject(report_id=rejected.pk, acting_user=grid_admin, reason="照片中看不到问题。")
        actions.report_mark_duplicate(report_id=duplicate.pk, original_id=first.pk, acting_user=grid_admin)
        actions.report_mark_duplicate(
            report_id=noted.pk, original_id=first.pk, acting_user=grid_admin, note="请关注第一条。"
        )
    told = Message.objects.filter(channel="inbox").order_by("id")
    assert list(told.values_list("recipient", "kind", "subject", "body")) == [
        (
            member.pk,
            "grid_report_accepted",
            "你的随手报已受理",
            f"随手报 #{report.pk}（道路交通隐患）已受理，将安排处理。",
        ),
        (
            member.pk,
            "grid_report_dispatched",
            "你的随手报已转交处理",
            f"随手报 #{report.pk} 已转交区城管局。",
        ),
        (
            member.pk,
            "grid_report_resolved",
            "你的随手报已办结",
            f"随手报 #{report.pk} 已办结：井盖已补装。 如果14天内问题再次出现，可以重新打开。",
        ),
        (
            outsider.pk,
            "grid_report_followed_resolved",
            "你关注的随手报已办结",
            f"随手报 #{report.pk} 已办结：井盖已补装。",
        ),
        (
            member.pk,
            "grid_report_rejected",
            "你的随手报未被受理",
            f"随手报 #{rejected.pk} 未被受理：照片中看不到问题。",
        ),
        (
            member.pk,
            "grid_report_duplicate",
            "你的随手报已有人报过",
            f"同一问题已有人上报（#{first.pk}），请关注那一条。",
        ),
        (member.pk, "grid_report_duplicate_note", "你的随手报已有人报过", "请关注第一条。"),
    ]
