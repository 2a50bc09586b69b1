import uuid
from decimal import Decimal

import pytest

from core.exceptions import ApplicationError, PermissionDenied
from core.models import AuditEntry
from notifications.models import Message
from points.models import PointAccount, PointEntry
from tests.governance.factories import clean_photo
from tests.voice.factories import post_request
from voice import actions
from voice.models import HelpDeed, HelpRecipient, HelpRequest, Opinion

pytestmark = pytest.mark.django_db


def inbox(user):
    return list(
        Message.objects.filter(recipient=user, channel="inbox").order_by("id").values_list("kind", "body")
    )


def balance(user) -> int:
    account = PointAccount.objects.filter(user=user).first()
    return account.balance if account else 0


# --- help given on the way -----------------------------------------------------------------


def test_a_member_records_help_with_a_photo_and_a_location(member):
    deed, created = actions.deed_record(
        worker=member,
        kind=HelpDeed.Kind.ESCORT,
        note="  送迷路的老人回家。 ",
        photo=clean_photo(),
        lat=Decimal("30.283"),
        lng=Decimal("120.095"),
        address="文一西路",
    )
    assert created
    deed.refresh_from_db()
    assert (deed.status, deed.note, deed.lat, deed.address) == (
        "submitted",
        "送迷路的老人回家。",
        Decimal("30.283000"),
        "文一西路",
    )
    assert deed.photo.name.startswith("voice/help/")
    assert deed.photo.read()[:3] == b"\xff\xd8\xff"


def test_a_retried_record_is_filed_once(member):
    key = uuid.uuid4()
    first, created = actions.deed_record(worker=member, kind="other", note="扶起单车", client_uuid=key)
    again, created_again = actions.deed_record(worker=member, kind="other", note="扶起单车", client_uuid=key)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert HelpDeed.objects.count() == 1


def test_an_empty_note_is_refused(member):
    with pytest.raises(ApplicationError) as refused:
        actions.deed_record(worker=member, kind="other", note="   ")
    assert refused.value.message == "请用几句话写下你做了什么。"
    assert not HelpDeed.objects.exists()


def test_only_grid_members_record_help(outsider):
    with pytest.raises(PermissionDenied) as refused:
        actions.deed_record(worker=outsider, kind="other", note="扶起单车")
    assert refused.value.message == "只有正式任命的网格员才能这样做。请联系你所在社区的网格管理员任命你。"
    assert not HelpDeed.objects.exists()


def test_verified_help_earns_points_once_and_tells_the_member(member, grid_admin):
    deed, _ = actions.deed_record(worker=member, kind="escort", note="送老人回家")
    actions.deed_verify(deed_id=deed.pk, acting_user=grid_admin)
    with pytest.raises(ApplicationError) as again:
        actions.deed_verify(deed_id=deed.pk, acting_user=grid_admin)
    assert again.value.message == "当前状态为“已核实”，无法核实。"
    assert balance(member) == 5
    assert PointEntry.objects.get(user=member).reason == "help_verified"
    assert inbox(member) == [
        ("help_deed_verified", f"谢谢你！你的随手帮 #{deed.pk}（护送老人或迷路者回家）已核实，获得 5 积分。")
    ]
    assert AuditEntry.objects.filter(action="voice.deed.verify").count() == 1


def test_rejecting_help_needs_a_reason_and_earns_nothing(member, grid_admin):
    deed, _ = actions.deed_record(worker=member, kind="escort", note="送老人回家")
    with pytest.raises(ApplicationError) as refused:
        actions.deed_reject(deed_id=deed.pk, acting_user=grid_admin, reason=" ")
    assert refused.value.message == "请填写原因，网格员会看到。"
    actions.deed_reject(deed_id=deed.pk, acting_user=grid_admin, reason="照片看不出帮助内容。")
    deed.refresh_from_db()
    assert (deed.status, deed.reject_reason) == ("rejected", "照片看不出帮助内容。")
    assert balance(member) == 0
    assert inbox(member) == [("help_deed_rejected", f"你的随手帮 #{deed.pk} 未能核实：照片看不出帮助内容。")]


@pytest.mark.parametrize("who", ["member", "checker"])
def test_who_may_not_verify_changes_nothing(request, member, who):
    deed, _ = actions.deed_record(worker=member, kind="escort", note="送老人回家")
    with pytest.raises(PermissionDenied):
        actions.deed_verify(deed_id=deed.pk, acting_user=request.getfixturevalue(who))
    deed.refresh_from_db()
    assert deed.status == "submitted"
    assert balance(member) == 0


# --- help requests ----------------------------------------------------------------------------


def test_posting_a_request_tells_the_members_of_its_grid_only(
    grid, member, other_member, far_member, grid_admin
):
    help_request = post_request(grid=grid, by=grid_admin)
    assert help_request.status == "open"
    recipient = HelpRecipient.objects.get(request=help_request)
    assert "王阿姨" not in recipient.name_encrypted
    assert (recipient.name, recipient.address, recipient.phone) == (
        "王阿姨",
        "文鼎苑3幢2单元501",
        "13700000000",
    )
    assert [kind for kind, _ in inbox(member)] == ["help_request_posted"]
    assert [kind for kind, _ in inbox(other_member)] == ["help_request_posted"]
    assert inbox(far_member) == []
    audit = AuditEntry.objects.get(action="voice.request.post")
    assert "王阿姨" not in str(audit.data) + audit.note


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"what": " "}, "请写明需要什么帮助。"),
        ({"hours": -1}, "结束时间必须晚于开始时间。"),
        ({"hours_from_now": -5}, "这条求助的时间段已经过了。"),
    ],
)
def test_a_bad_request_is_refused(grid, grid_admin, changes, message):
    with pytest.raises(ApplicationError) as refused:
        post_request(grid=grid, by=grid_admin, **changes)
    assert refused.value.message == message
    assert not HelpRequest.objects.exists()


def test_a_request_needs_the_name_and_the_address(grid, grid_admin):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for details, message in (
        (actions.RecipientDetails(name="", address="文鼎苑"), "请填写被帮助人的姓名。"),
        (actions.RecipientDetails(name="王阿姨", address=" "), "请填写被帮助人的地址。"),
    ):
        with pytest.raises(ApplicationError) as refused:
            actions.request_post(
                acting_user=grid_admin,
                grid=grid,
                what="搬米",
                starts_at=now,
                ends_at=now + timedelta(hours=1),
                recipient=details,
            )
        assert refused.value.message == message
    assert not HelpRequest.objects.exists()


def test_only_staff_with_the_permission_post_requests(grid, member, checker):
    for user in (member, checker):
        with pytest.raises(PermissionDenied):
            post_request(grid=grid, by=user)
    assert not HelpRequest.objects.exists()


def test_take_done_confirm_earns_points_once_and_erases_the_details(grid, member, grid_admin):
    help_request = post_request(grid=grid, by=grid_admin)
    actions.request_take(request_id=help_request.pk, user=member)
    help_request.refresh_from_db()
    assert (help_request.status, help_request.taken_by) == ("taken", member)
    assert inbox(grid_admin) == [
        ("help_request_taken", f"张伟 接下了你的求助 #{help_request.pk}（帮独居老人搬米上楼）。")
    ]
    with pytest.raises(ApplicationError) as no_note:
        actions.request_done(request_id=help_request.pk, user=member, note=" ")
    assert no_note.value.message == "请用几句话写下你做了什么。"
    assert HelpRecipient.objects.filter(request=help_request).exists()
    actions.request_done(request_id=help_request.pk, user=member, note="已送到五楼。")
    assert not HelpRecipient.objects.filter(request=help_request).exists()
    assert inbox(grid_admin)[-1] == (
        "help_request_done",
        f"张伟 已将求助 #{help_request.pk}（帮独居老人搬米上楼）标记为完成：已送到五楼。 请确认。",
    )
    actions.request_confirm(request_id=help_request.pk, acting_user=grid_admin)
    with pytest.raises(ApplicationError):
        actions.request_confirm(request_id=help_request.pk, acting_user=grid_admin)
    assert balance(member) == 10
    assert inbox(member)[-1] == (
        "help_request_confirmed",
        f"谢谢你！求助 #{help_request.pk}（帮独居老人搬米上楼）已确认完成，获得 10 积分。",
    )


def test_a_taken_request_cannot_be_taken_again(grid, member, other_member, grid_admin):
    help_request = post_request(grid=grid, by=grid_admin)
    actions.request_take(request_id=help_request.pk, user=member)
    with pytest.raises(ApplicationError) as refused:
        actions.request_take(request_id=help_request.pk, user=other_member)
    assert refused.value.message == "抱歉，这条求助刚刚已被其他网格员接下。"
    help_request.refresh_from_db()
    assert help_request.taken_by == member


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("far_member", "这条求助是给其他网格的网格员的。"),
        ("outsider", "只有正式任命的网格员才能这样做。请联系你所在社区的网格管理员任命你。"),
        ("grid_admin", "只有正式任命的网格员才能这样做。请联系你所在社区的网格管理员任命你。"),
    ],
)
def test_who_may_not_take_a_request(request, grid, grid_admin, who, message):
    help_request = post_request(grid=grid, by=grid_admin)
    with pytest.raises(PermissionDenied) as refused:
        actions.request_take(request_id=help_request.pk, user=request.getfixturevalue(who))
    assert refused.value.message == message
    help_request.refresh_from_db()
    assert (help_request.status, help_request.taken_by) == ("open", None)


def test_a_request_whose_window_is_over_cannot_be_taken(grid, member, grid_admin):
    help_request = post_request(grid=grid, by=grid_admin)
    HelpRequest.objects.filter(pk=help_request.pk).update(
        starts_at=help_request.starts_at.replace(year=2020), ends_at=help_request.ends_at.replace(year=2020)
    )
    with pytest.raises(ApplicationError) as refused:
        actions.request_take(request_id=help_request.pk, user=member)
    assert refused.value.message == "这条求助的时间段已经过了。"


def test_only_the_taker_marks_done_and_only_the_requester_or_an_admin_confirms(
    grid, member, other_member, grid_admin, checker
):
    help_request = post_request(grid=grid, by=grid_admin)
    actions.request_take(request_id=help_request.pk, user=member)
    with pytest.raises(PermissionDenied) as not_taker:
        actions.request_done(request_id=help_request.pk, user=other_member, note="我做的")
    assert not_taker.value.message == "只有接下这条求助的网格员才能这样做。"
    actions.request_done(request_id=help_request.pk, user=member, note="已送到")
    for user in (member, checker):
        with pytest.raises(PermissionDenied) as not_requester:
            actions.request_confirm(request_id=help_request.pk, acting_user=user)
        assert not_requester.value.message == "只有发布这条求助的人或网格管理员才能确认。"
    help_request.refresh_from_db()
    assert help_request.status == "done"
    assert balance(member) == 0


def test_cancelling_tells_the_taker_and_erases_the_details(grid, member, grid_admin):
    help_request = post_request(grid=grid, by=grid_admin)
    actions.request_take(request_id=help_request.pk, user=member)
    with pytest.raises(ApplicationError):
        actions.request_cancel(request_id=help_request.pk, acting_user=grid_admin, reason="")
    assert HelpRecipient.objects.filter(request=help_request).exists()
    actions.request_cancel(request_id=help_request.pk, acting_user=grid_admin, reason="家属已到场。")
    assert not HelpRecipient.objects.filter(request=help_request).exists()
    assert inbox(member)[-1] == (
        "help_request_cancelled",
        f"求助 #{help_request.pk}（帮独居老人搬米上楼）已取消：家属已到场。",
    )


def test_open_requests_past_their_window_expire_and_lose_the_details(grid, grid_admin):
    over = post_request(grid=grid, by=grid_admin)
    live = post_request(grid=grid, by=grid_admin)
    HelpRequest.objects.filter(pk=over.pk).update(
        starts_at=over.starts_at.replace(year=2020), ends_at=over.ends_at.replace(year=2020)
    )
    assert actions.requests_expire() == 1
    over.refresh_from_db()
    assert (over.status, over.cancel_reason) == ("cancelled", "在求助时间段内无人接单。")
    assert not HelpRecipient.objects.filter(request=over).exists()
    assert HelpRecipient.objects.filter(request=live).exists()
    assert actions.requests_expire() == 0


# --- opinions ----------------------------------------------------------------------------------


def test_an_opinion_is_routed_answered_and_adopted_once(member, grid_admin):
    opinion, created = actions.opinion_submit(worker=member, text=" 东门没有骑手停车位。 ", topic="traffic")
    assert created and opinion.text == "东门没有骑手停车位。"
    with pytest.raises(ApplicationError) as no_summary:
        actions.opinion_route(
            opinion_id=opinion.pk, acting_user=grid_admin, summary="缺停车位", department=" "
        )
    assert no_summary.value.message == "请写一句简短的摘要并填写转交部门。"
    actions.opinion_route(
        opinion_id=opinion.pk,
        acting_user=grid_admin,
        summary="缺停车位",
        department="街道城管科",
        tags="停车,骑手",
    )
    with pytest.raises(ApplicationError) as no_answer:
        actions.opinion_answer(opinion_id=opinion.pk, acting_user=grid_admin, answer="", adopted=True)
    assert no_answer.value.message == "请填写答复，网格员会看到。"
    actions.opinion_answer(
        opinion_id=opinion.pk, acting_user=grid_admin, answer="已划设停车区。", adopted=True
    )
    with pytest.raises(ApplicationError):
        actions.opinion_answer(opinion_id=opinion.pk, acting_user=grid_admin, answer="再来一次", adopted=True)
    opinion.refresh_from_db()
    assert (opinion.status, opinion.summary, opinion.department, opinion.tags, opinion.answer) == (
        "adopted",
        "缺停车位",
        "街道城管科",
        "停车,骑手",
        "已划设停车区。",
    )
    assert balance(member) == 10
    assert inbox(member) == [
        ("opinion_routed", f"民意 #{opinion.pk} 已摘要为“缺停车位”，并转交街道城管科。"),
        ("opinion_adopted", f"民意 #{opinion.pk} 已被采纳，获得 10 积分：已划设停车区。"),
    ]


def test_an_answered_opinion_earns_nothing(member, grid_admin):
    opinion, _ = actions.opinion_submit(worker=member, text="快递柜十点后无法取件")
    actions.opinion_route(opinion_id=opinion.pk, acting_user=grid_admin, summary="快递柜", department="社区")
    actions.opinion_answer(opinion_id=opinion.pk, acting_user=grid_admin, answer="已联系物业。")
    assert balance(member) == 0
    assert inbox(member)[-1] == ("opinion_answered", f"民意 #{opinion.pk} 已答复：已联系物业。")


def test_an_empty_opinion_is_refused_and_a_retry_is_filed_once(member, outsider):
    with pytest.raises(ApplicationError) as empty:
        actions.opinion_submit(worker=member, text="  ")
    assert empty.value.message == "请录音或写下大家说了什么。"
    with pytest.raises(PermissionDenied):
        actions.opinion_submit(worker=outsider, text="有话说")
    key = uuid.uuid4()
    first, _ = actions.opinion_submit(worker=member, text="有话说", client_uuid=key)
    again, created = actions.opinion_submit(worker=member, text="有话说", client_uuid=key)
    assert (again.pk, created) == (first.pk, False)
    assert Opinion.objects.count() == 1


@pytest.mark.parametrize("who", ["member", "checker"])
def test_who_may_not_route_changes_nothing(request, member, who):
    opinion, _ = actions.opinion_submit(worker=member, text="有话说")
    with pytest.raises(PermissionDenied):
        actions.opinion_route(
            opinion_id=opinion.pk, acting_user=request.getfixturevalue(who), summary="s", department="d"
        )
    opinion.refresh_from_db()
    assert (opinion.status, opinion.summary) == ("submitted", "")
