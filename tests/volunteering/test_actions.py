from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from core.audit import AuditEntry
from core.exceptions import ApplicationError, PermissionDenied, TransitionNotAllowed
from core.models import StatusChange
from notifications.models import Message
from points.models import PointAccount, PointEntry, PointRule
from tests.factories import UserFactory
from tests.volunteering.factories import RECIPIENT, make_member, make_task
from volunteering import actions
from volunteering.models import Membership, Recipient, Signup, Task
from volunteering.points_kinds import VOLUNTEER_TASK_DONE

pytestmark = pytest.mark.django_db

NOT_A_MEMBER = "只有本服务队的队员才能这样做，请先申请加入服务队。"
NOT_THE_LEAD = "只有队长才能这样做。"
TASK_FULL = "抱歉，该任务的志愿者名额已满。"


def inbox(user, kind):
    return list(Message.objects.filter(recipient=user, kind=kind).values_list("subject", "body"))


# --- Memberships ---------------------------------------------------------------------------


def test_a_worker_asks_to_join_and_the_lead_is_told(team, lead, outsider):
    membership = actions.membership_request(team=team, user=outsider)
    assert membership.status == Membership.Status.PENDING
    assert inbox(lead, "volunteer_join_request") == [
        ("有人申请加入助老专送小哥队", "路人甲申请加入服务队，请在队长页面同意或婉拒。")
    ]


def test_asking_twice_is_refused_with_one_row(team, outsider):
    actions.membership_request(team=team, user=outsider)
    with pytest.raises(ApplicationError) as error:
        actions.membership_request(team=team, user=outsider)
    assert error.value.message == "你已申请加入，请等待队长审核。"
    assert Membership.objects.filter(team=team, user=outsider).count() == 1


def test_a_member_asking_again_is_told_so(team, member):
    with pytest.raises(ApplicationError) as error:
        actions.membership_request(team=team, user=member)
    assert error.value.message == "你已经是本服务队的队员了。"


def test_the_lead_accepts_and_the_worker_is_welcomed(team, lead, outsider):
    membership = actions.membership_request(team=team, user=outsider)
    actions.membership_accept(membership_id=membership.pk, acting_user=lead)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert membership.decided_by == lead
    assert history("volunteering.membership")[-1] == (str(membership.pk), "pending", "active", lead.pk)
    assert (
        AuditEntry.objects.filter(
            action="volunteering.membership.accept", target_id=str(membership.pk)
        ).count()
        == 1
    )
    assert inbox(outsider, "volunteer_join_accepted") == [
        ("欢迎加入助老专送小哥队", "队长已同意你的申请，现在可以报名本队的志愿任务了。")
    ]


def test_the_lead_declines(team, lead, outsider):
    membership = actions.membership_request(team=team, user=outsider)
    actions.membership_decline(membership_id=membership.pk, acting_user=lead)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.DECLINED
    assert inbox(outsider, "volunteer_join_declined") == [
        ("你加入助老专送小哥队的申请", "很遗憾，队长这次没有同意你的申请。")
    ]


def test_a_member_cannot_accept_and_nothing_changes(team, member, outsider):
    membership = actions.membership_request(team=team, user=outsider)
    with pytest.raises(PermissionDenied) as error:
        actions.membership_accept(membership_id=membership.pk, acting_user=member)
    assert error.value.message == NOT_THE_LEAD
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING
    assert inbox(outsider, "volunteer_join_accepted") == []
    assert not StatusChange.objects.filter(
        target_type="volunteering.membership", target_id=str(membership.pk)
    ).exists()


def test_accepting_twice_is_refused(team, lead, outsider):
    membership = actions.membership_request(team=team, user=outsider)
    actions.membership_accept(membership_id=membership.pk, acting_user=lead)
    with pytest.raises(TransitionNotAllowed) as error:
        actions.membership_decline(membership_id=membership.pk, acting_user=lead)
    assert error.value.message == "该申请已处理过了。"


def test_leaving_and_asking_again_reuses_the_one_row(team, member):
    actions.membership_leave(team=team, user=member)
    membership = Membership.objects.get(team=team, user=member)
    assert membership.status == Membership.Status.LEFT
    actions.membership_request(team=team, user=member)
    assert list(Membership.objects.filter(team=team, user=member).values_list("status", flat=True)) == [
        "pending"
    ]
    # Both moves through the membership's transition table: a history row each.
    assert history("volunteering.membership")[-2:] == [
        (str(membership.pk), "active", "left", member.pk),
        (str(membership.pk), "left", "pending", member.pk),
    ]


def test_the_lead_cannot_leave(team, lead):
    with pytest.raises(ApplicationError) as error:
        actions.membership_leave(team=team, user=lead)
    assert error.value.message == "队长不能退出服务队，请先联系驿站管理员更换队长。"


def test_a_member_signed_up_for_a_live_task_cannot_leave(team, member, task):
    actions.signup_create(task_id=task.pk, user=member)
    with pytest.raises(ApplicationError) as error:
        actions.membership_leave(team=team, user=member)
    assert error.value.message == "你还报名了本队尚未完成的任务，请先取消报名再退出服务队。"
    assert Membership.objects.get(team=team, user=member).status == Membership.Status.ACTIVE
    assert [row[2] for row in history("volunteering.membership")].count("left") == 0


def test_the_database_holds_one_membership_per_person_per_team(team, member):
    with pytest.raises(IntegrityError):
        Membership.objects.create(team=team, user=member, status=Membership.Status.LEFT)


def history(model: str) -> list[tuple[str, str, str, int | None]]:
    """The status changes of a model's rows (core.StatusChange), oldest first."""
    return [
        (change.target_id, change.from_status, change.to_status, change.actor_id)
        for change in StatusChange.objects.filter(target_type=model).order_by("pk")
    ]


# --- Tasks and sign-ups ----------------------------------------------------------------------


def test_the_details_are_encrypted_at_rest(task):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name_encrypted, address_encrypted, phone_encrypted, notes_encrypted "
            "FROM volunteering_recipient WHERE task_id = %s",
            [task.pk],
        )
        row = cursor.fetchone()
    stored = " ".join(row)
    for secret in ("陈阿婆", "翠苑一区12幢", "88000001", "腿脚不便"):
        assert secret not in stored
    recipient = Recipient.objects.get(task=task)
    assert (recipient.name, recipient.address, recipient.phone, recipient.notes) == (
        "陈阿婆",
        "翠苑一区12幢3单元502室",
        "0571-88000001",
        "腿脚不便请送上楼",
    )


def test_only_the_lead_publishes_tasks(team, member):
    with pytest.raises(PermissionDenied):
        actions.task_create(
            team=team,
            acting_user=member,
            date=timezone.localdate(),
            starts_at=timezone.datetime(2026, 1, 1, 11).time(),
            ends_at=timezone.datetime(2026, 1, 1, 12).time(),
            street="cuiyuan",
            area="翠苑一区",
            what="午餐送餐",
            volunteers_needed=1,
            recipient=RECIPIENT,
        )
    assert Task.objects.count() == 0


def test_a_member_signs_up_and_is_told(member, task):
    signup = actions.signup_create(task_id=task.pk, user=member)
    task.refresh_from_db()
    assert (signup.status, task.taken, task.status) == ("signed_up", 1, Task.Status.OPEN)
    day = task.date
    assert inbox(member, "volunteer_signup_confirmed") == [
        (
            "报名成功：午餐送餐",
            f"你已成功报名{day.year}年{day.month}月{day.day}日 11:00–12:00的午餐送餐（翠苑一区）。"
            "送达地址和老人信息请在任务页面查看。",
        )
    ]
    # The message never carries the elderly person's details.
    assert not Message.objects.filter(body__contains="陈阿婆").exists()


def test_messages_are_in_the_portal_language_whatever_the_actor_reads(team, lead, member, outsider, task):
    from django.utils import translation

    with translation.override("en"):
        actions.membership_request(team=team, user=outsider)
        actions.signup_create(task_id=task.pk, user=member)
    assert inbox(lead, "volunteer_join_request")[0][0].startswith("有人申请加入")
    assert inbox(member, "volunteer_signup_confirmed")[0][0] == "报名成功：午餐送餐"


def test_a_non_member_cannot_sign_up_and_nothing_changes(task, outsider):
    with pytest.raises(PermissionDenied) as error:
        actions.signup_create(task_id=task.pk, user=outsider)
    assert error.value.message == NOT_A_MEMBER
    task.refresh_from_db()
    assert task.taken == 0
    assert not Signup.objects.exists()


def test_the_last_place_makes_the_task_full_and_the_next_is_refused(team, member, other_member):
    task = make_task(team, needed=1)
    actions.signup_create(task_id=task.pk, user=member)
    task.refresh_from_db()
    assert task.status == Task.Status.FULL
    with pytest.raises(TransitionNotAllowed) as error:
        actions.signup_create(task_id=task.pk, user=other_member)
    assert error.value.message == TASK_FULL
    assert Signup.objects.filter(task=task).count() == 1
    assert history("volunteering.task") == [(str(task.pk), "open", "full", member.pk)]


def test_signing_up_twice_is_refused(member, task):
    actions.signup_create(task_id=task.pk, user=member)
    with pytest.raises(ApplicationError) as error:
        actions.signup_create(task_id=task.pk, user=member)
    assert error.value.message == "你已经报名了该任务。"


def test_a_past_task_takes_no_sign_ups(team, member):
    task = make_task(team)
    Task.objects.filter(pk=task.pk).update(date=timezone.localdate() - timedelta(days=1))
    with pytest.raises(TransitionNotAllowed) as error:
        actions.signup_create(task_id=task.pk, user=member)
    assert error.value.message == "该任务日期已过，不能再报名。"


def test_withdrawing_before_the_day_frees_the_place(team, member):
    task = make_task(team, needed=1)
    actions.signup_create(task_id=task.pk, user=member)
    actions.signup_withdraw(task_id=task.pk, user=member)
    task.refresh_from_db()
    assert (task.taken, task.status) == (0, Task.Status.OPEN)
    signup = Signup.objects.get(task=task)
    assert signup.status == Signup.Status.WITHDRAWN
    assert history("volunteering.task") == [
        (str(task.pk), "open", "full", member.pk),
        (str(task.pk), "full", "open", member.pk),
    ]
    assert history("volunteering.signup") == [(str(signup.pk), "signed_up", "withdrawn", member.pk)]
    actions.signup_create(task_id=task.pk, user=member)  # and signing up again works
    assert Signup.objects.filter(task=task).count() == 2


def test_withdrawing_on_the_day_is_refused(team, member):
    task = make_task(team, days=0)
    actions.signup_create(task_id=task.pk, user=member)
    with pytest.raises(TransitionNotAllowed) as error:
        actions.signup_withdraw(task_id=task.pk, user=member)
    assert error.value.message == "只能在任务日期之前取消报名。如有变化，请直接告诉队长。"
    task.refresh_from_db()
    assert task.taken == 1


def test_the_database_refuses_more_sign_ups_than_needed(task):
    with pytest.raises(IntegrityError):
        Task.objects.filter(pk=task.pk).update(taken=3)


# --- Completion and cancelling ---------------------------------------------------------------


@pytest.fixture
def signed_up_today(team, member, other_member):
    task = make_task(team, days=0, needed=2)
    actions.signup_create(task_id=task.pk, user=member)
    actions.signup_create(task_id=task.pk, user=other_member)
    return task


def test_confirming_awards_points_once_and_erases_the_details(signed_up_today, lead, member, other_member):
    task = signed_up_today
    done = actions.task_confirm(task_id=task.pk, acting_user=lead, volunteer_ids=[member.pk])
    assert [s.volunteer for s in done] == [member]
    task.refresh_from_db()
    assert (task.status, task.completed_by) == (Task.Status.DONE, lead)
    assert dict(Signup.objects.filter(task=task).values_list("volunteer", "status")) == {
        member.pk: "done",
        other_member.pk: "absent",
    }
    assert sorted(row[1:] for row in history("volunteering.signup")) == [
        ("signed_up", "absent", lead.pk),
        ("signed_up", "done", lead.pk),
    ]
    entry = PointEntry.objects.get(user=member)
    assert (entry.amount, entry.reason, entry.once_key) == (
        20,
        VOLUNTEER_TASK_DONE,
        f"volunteer_task_done:{task.pk}:{member.pk}",
    )
    assert not PointEntry.objects.filter(user=other_member).exists()
    # Erased: no row left in the database, not even encrypted.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM volunteering_recipient WHERE task_id = %s", [task.pk])
        assert cursor.fetchone()[0] == 0
    day = task.date
    assert inbox(member, "volunteer_task_done_points") == [
        (
            "感谢你的付出！积分 +20",
            f"队长已确认你完成了{day.year}年{day.month}月{day.day}日 11:00–12:00的午餐送餐，20积分已存入你的账户。",
        )
    ]
    assert inbox(member, "volunteer_task_done") == []  # the thanks without points is the other kind
    assert inbox(other_member, "volunteer_task_done_points") == []


def test_confirming_again_is_refused_and_points_stay_once(signed_up_today, lead, member):
    actions.task_confirm(task_id=signed_up_today.pk, acting_user=lead)
    with pytest.raises(TransitionNotAllowed) as error:
        actions.task_confirm(task_id=signed_up_today.pk, acting_user=lead)
    assert error.value.message == "该任务已是“已完成”，不能再更改。"
    assert PointAccount.objects.get(user=member).balance == 20
    assert PointEntry.objects.filter(user=member).count() == 1


def test_the_point_value_comes_from_the_rule(signed_up_today, lead, member):
    PointRule.objects.update_or_create(event=VOLUNTEER_TASK_DONE, defaults={"amount": 35})
    actions.task_confirm(task_id=signed_up_today.pk, acting_user=lead)
    assert PointAccount.objects.get(user=member).balance == 35
    assert Signup.objects.get(task=signed_up_today, volunteer=member).points == 35


def test_a_rule_of_zero_points_still_confirms_without_points(signed_up_today, lead, member, other_member):
    PointRule.objects.update_or_create(event=VOLUNTEER_TASK_DONE, defaults={"amount": 0})
    done = actions.task_confirm(task_id=signed_up_today.pk, acting_user=lead)
    assert sorted(s.volunteer_id for s in done) == sorted([member.pk, other_member.pk])
    signed_up_today.refresh_from_db()
    assert signed_up_today.status == Task.Status.DONE
    assert set(Signup.objects.filter(task=signed_up_today).values_list("status", "points")) == {("done", 0)}
    assert not PointEntry.objects.exists()
    assert not Recipient.objects.filter(task=signed_up_today).exists()
    day = signed_up_today.date
    assert inbox(member, "volunteer_task_done") == [
        (
            "感谢你参与午餐送餐",
            f"队长已确认你完成了{day.year}年{day.month}月{day.day}日 11:00–12:00的午餐送餐。",
        )
    ]


def test_points_are_awarded_in_ascending_user_order(team, lead):
    # Signed up in descending id order: the awards (and so the account locks) still go lowest id first.
    first, second, third = (make_member(team, UserFactory()) for _ in range(3))
    task = make_task(team, days=0, needed=3)
    for user in (third, second, first):
        actions.signup_create(task_id=task.pk, user=user)
    actions.task_confirm(task_id=task.pk, acting_user=lead)
    assert list(PointEntry.objects.order_by("id").values_list("user", flat=True)) == [
        first.pk,
        second.pk,
        third.pk,
    ]


def test_a_member_cannot_confirm_and_nothing_changes(signed_up_today, member):
    with pytest.raises(PermissionDenied) as error:
        actions.task_confirm(task_id=signed_up_today.pk, acting_user=member)
    assert error.value.message == NOT_THE_LEAD
    signed_up_today.refresh_from_db()
    assert signed_up_today.status == Task.Status.FULL
    assert Recipient.objects.filter(task=signed_up_today).exists()
    assert not PointEntry.objects.exists()


def test_staff_with_the_permission_may_confirm(signed_up_today, coordinator, member):
    actions.task_confirm(task_id=signed_up_today.pk, acting_user=coordinator)
    assert PointAccount.objects.get(user=member).balance == 20


def test_confirming_before_the_day_is_refused(team, lead, member, task):
    actions.signup_create(task_id=task.pk, user=member)
    with pytest.raises(TransitionNotAllowed) as error:
        actions.task_confirm(task_id=task.pk, acting_user=lead)
    assert error.value.message == "最早在任务当天才能确认完成。"
    assert Recipient.objects.filter(task=task).exists()


def test_confirming_nobody_or_a_stranger_is_refused(signed_up_today, lead, outsider):
    with pytest.raises(ApplicationError) as error:
        actions.task_confirm(task_id=signed_up_today.pk, acting_user=lead, volunteer_ids=[])
    assert error.value.message == "请至少勾选一位完成任务的志愿者。"
    with pytest.raises(ApplicationError) as error:
        actions.task_confirm(task_id=signed_up_today.pk, acting_user=lead, volunteer_ids=[outsider.pk])
    assert error.value.message == "只能确认报名了该任务的志愿者。"
    assert not PointEntry.objects.exists()


def test_cancelling_erases_the_details_and_tells_the_volunteers(task, lead, member):
    actions.signup_create(task_id=task.pk, user=member)
    actions.task_cancel(task_id=task.pk, acting_user=lead, reason="食堂停电，今天不送餐")
    task.refresh_from_db()
    assert (task.status, task.cancel_reason) == (Task.Status.CANCELLED, "食堂停电，今天不送餐")
    assert not Recipient.objects.filter(task=task).exists()
    signup = Signup.objects.get(task=task)
    assert signup.status == Signup.Status.CANCELLED
    assert history("volunteering.signup") == [(str(signup.pk), "signed_up", "cancelled", lead.pk)]
    day = task.date
    assert inbox(member, "volunteer_task_cancelled") == [
        (
            "任务已取消：午餐送餐",
            f"{day.year}年{day.month}月{day.day}日 11:00–12:00的午餐送餐已取消。原因：食堂停电，今天不送餐",
        )
    ]


def test_cancelling_needs_a_reason(task, lead):
    with pytest.raises(ApplicationError) as error:
        actions.task_cancel(task_id=task.pk, acting_user=lead, reason="  ")
    assert error.value.message == "请填写原因，志愿者会看到。"
    assert Recipient.objects.filter(task=task).exists()


def test_no_trace_of_the_details_outside_the_recipient_row(signed_up_today, lead):
    from core.models import AuditEntry

    actions.task_confirm(task_id=signed_up_today.pk, acting_user=lead)
    for secret in ("陈阿婆", "翠苑一区12幢", "88000001", "腿脚不便"):
        assert not Message.objects.filter(body__contains=secret).exists()
        assert not AuditEntry.objects.filter(note__contains=secret).exists()
        assert not AuditEntry.objects.filter(data__icontains=secret).exists()


def test_a_new_member_account_is_not_needed_for_the_lead(team, lead):
    # The lead is a member from the start (team_create / the factory): they may sign up too.
    task = make_task(team, days=0, needed=1)
    actions.signup_create(task_id=task.pk, user=lead)
    assert Task.objects.get(pk=task.pk).status == Task.Status.FULL


def test_team_create_makes_the_lead_a_member():
    lead = UserFactory()
    team = actions.team_create(name="西溪助老队", lead=lead, acting_user=None)
    assert list(team.memberships.values_list("user", "status")) == [(lead.pk, "active")]


def test_an_ended_task_cannot_be_withdrawn_from(team, lead, member):
    task = make_task(team)
    actions.signup_create(task_id=task.pk, user=member)
    actions.task_cancel(task_id=task.pk, acting_user=lead, reason="下雨")
    with pytest.raises(ApplicationError) as error:
        actions.signup_withdraw(task_id=task.pk, user=member)
    assert error.value.message == "你没有报名该任务。"


def test_tasks_left_unconfirmed_are_closed_and_erased_after_seven_days(team, member):
    old = make_task(team, days=0)
    actions.signup_create(task_id=old.pk, user=member)
    Task.objects.filter(pk=old.pk).update(date=timezone.localdate() - timedelta(days=8))
    recent = make_task(team, days=0)
    Task.objects.filter(pk=recent.pk).update(date=timezone.localdate() - timedelta(days=7))
    from volunteering.tasks import expire_unconfirmed_tasks

    assert expire_unconfirmed_tasks() == 1
    old.refresh_from_db()
    assert (old.status, old.cancel_reason) == ("cancelled", "任务日后7天内无人确认完成，已自动关闭。")
    assert not Recipient.objects.filter(task=old).exists()
    assert Recipient.objects.filter(task=recent).exists()
    assert [subject for subject, _ in inbox(member, "volunteer_task_cancelled")] == ["任务已取消：午餐送餐"]
    assert expire_unconfirmed_tasks() == 0


# --- Naming a new team lead: the station's staff only, audited ---------------------------------


@pytest.fixture
def station_staff(station):
    from django.contrib.auth.models import Group

    from accounts import roles
    from tests.factories import StaffFactory

    user = StaffFactory(real_name="钱管理")
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    station.staff.add(user)
    return user


def test_a_new_team_lead_is_audited_and_becomes_a_member(team, lead, member, station_staff):
    from core.models import AuditEntry

    actions.team_lead_change(team_id=team.pk, lead=member, acting_user=station_staff, reason="李娜调岗")
    team.refresh_from_db()
    assert team.lead == member
    assert Membership.objects.get(team=team, user=member).status == Membership.Status.ACTIVE
    entry = AuditEntry.objects.get(action="volunteering.team.lead_change")
    assert (entry.actor, entry.target_id, entry.note, entry.data) == (
        station_staff,
        str(team.pk),
        "李娜调岗",
        {"before": lead.pk, "after": member.pk},
    )


@pytest.mark.parametrize("who", ["the_lead", "a_worker", "staff_elsewhere"])
def test_others_cannot_name_a_team_lead(team, lead, member, who):
    from django.contrib.auth.models import Group

    from accounts import roles
    from core.models import AuditEntry
    from tests.factories import StaffFactory
    from tests.stations.factories import StationFactory

    if who == "staff_elsewhere":
        acting = StaffFactory()
        acting.groups.add(Group.objects.get(name=roles.STATION_STAFF))
        StationFactory(name="别站驿站").staff.add(acting)
    else:
        acting = lead if who == "the_lead" else UserFactory()
    with pytest.raises(PermissionDenied) as refused:
        actions.team_lead_change(team_id=team.pk, lead=member, acting_user=acting)
    assert refused.value.message == "只有该队所属驿站的工作人员才能这样做。"
    team.refresh_from_db()
    assert team.lead == lead
    assert not AuditEntry.objects.filter(action="volunteering.team.lead_change").exists()
