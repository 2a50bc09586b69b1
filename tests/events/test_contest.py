from decimal import Decimal

import pytest
from django.urls import reverse

from events import actions, codes
from events.models import ContestResult, Event
from events.points_kinds import EVENT_ATTENDED
from notifications.models import Message
from points.models import PointAccount, PointEntry
from tests.events import messages as text
from tests.events.factories import EventFactory, RegistrationFactory, ongoing_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contest(station):
    return ongoing_event(station=station, kind=Event.Kind.CONTEST, title="外卖骑手技能竞赛")


def participants(contest, names):
    users = []
    for name in names:
        user = UserFactory(real_name=name)
        RegistrationFactory(event=contest, user=user)
        actions.checkin_create(event_id=contest.pk, user=user, code=codes.checkin_code(contest.pk))
        users.append(user)
    return users


def record(contest, user, rank, score, by):
    return actions.contest_result_record(
        event_id=contest.pk, user=user, rank=rank, score=Decimal(score), acting_user=by
    )


def test_publishing_awards_points_by_rank_once(contest, lead):
    first, second, third, fourth = participants(contest, ["张伟", "李娜", "王强", "欧阳娜娜"])
    for rank, (user, score) in enumerate([(first, "98.5"), (second, "95"), (third, "90"), (fourth, "80")], 1):
        record(contest, user, rank, score, lead)
    Message.objects.all().delete()

    actions.contest_results_publish(event_id=contest.pk, acting_user=lead)

    rank_entries = PointEntry.objects.exclude(reason=EVENT_ATTENDED)
    assert sorted(rank_entries.values_list("user_id", "amount", "reason", "once_key")) == sorted(
        [
            (first.pk, 50, "contest_rank_1", f"contest_rank:{contest.pk}:{first.pk}"),
            (second.pk, 30, "contest_rank_2", f"contest_rank:{contest.pk}:{second.pk}"),
            (third.pk, 20, "contest_rank_3", f"contest_rank:{contest.pk}:{third.pk}"),
        ]
    )
    assert PointAccount.objects.get(user=first).balance == 60  # 10 for attending, 50 for first place
    assert PointAccount.objects.get(user=fourth).balance == 10
    assert list(ContestResult.objects.order_by("rank").values_list("points", flat=True)) == [50, 30, 20, 0]
    message = Message.objects.get(recipient=first)
    assert message.subject == "成绩公布：外卖骑手技能竞赛"
    assert message.body == "外卖骑手技能竞赛：你获得第1名，成绩98.5分，获得50积分。"
    assert Message.objects.get(recipient=fourth).body == "外卖骑手技能竞赛：你获得第4名，成绩80.0分。"

    with pytest.raises(actions.TransitionNotAllowed) as refused:
        actions.contest_results_publish(event_id=contest.pk, acting_user=lead)
    assert refused.value.message == text.RESULTS_ALREADY_PUBLISHED
    assert rank_entries.count() == 3


def test_only_checked_in_participants_get_a_result(contest, lead):
    registered_only = UserFactory()
    RegistrationFactory(event=contest, user=registered_only)
    with pytest.raises(actions.ApplicationError) as refused:
        record(contest, registered_only, 1, "90", lead)
    assert refused.value.message == text.NOT_CHECKED_IN
    assert not ContestResult.objects.exists()


@pytest.mark.parametrize(
    "rank, score, field, message",
    [
        (0, "90", "rank", text.RANK_TOO_LOW),
        (-3, "90", "rank", text.RANK_TOO_LOW),
        (1, "-0.5", "score", text.SCORE_NEGATIVE),
    ],
)
def test_the_action_holds_the_rank_and_score_rule(contest, lead, rank, score, field, message):
    [there] = participants(contest, ["张伟"])
    with pytest.raises(actions.ApplicationError) as refused:
        record(contest, there, rank, score, lead)
    assert (refused.value.message, refused.value.extra) == (message, {"field": field})
    assert not ContestResult.objects.exists()


def test_a_result_can_be_corrected_before_publishing_but_not_after(contest, lead):
    (user,) = participants(contest, ["张伟"])
    record(contest, user, 2, "90", lead)
    record(contest, user, 1, "92", lead)
    result = ContestResult.objects.get()
    assert (result.rank, result.score) == (1, Decimal("92.0"))
    actions.contest_results_publish(event_id=contest.pk, acting_user=lead)
    with pytest.raises(actions.TransitionNotAllowed) as refused:
        record(contest, user, 3, "50", lead)
    assert refused.value.message == text.RESULTS_ALREADY_PUBLISHED
    assert ContestResult.objects.get().rank == 1


def test_results_only_for_contests(station, lead, worker):
    sharing = ongoing_event(station=station)
    with pytest.raises(actions.ApplicationError) as refused:
        record(sharing, worker, 1, "90", lead)
    assert refused.value.message == text.NOT_A_CONTEST
    with pytest.raises(actions.ApplicationError) as refused:
        actions.contest_results_publish(event_id=sharing.pk, acting_user=lead)
    assert refused.value.message == text.NOT_A_CONTEST


def test_publishing_needs_results_and_a_started_contest(contest, station, lead):
    with pytest.raises(actions.ApplicationError) as refused:
        actions.contest_results_publish(event_id=contest.pk, acting_user=lead)
    assert refused.value.message == text.NO_RESULTS
    coming = EventFactory(station=station, kind=Event.Kind.CONTEST)
    with pytest.raises(actions.TransitionNotAllowed) as refused:
        actions.contest_results_publish(event_id=coming.pk, acting_user=lead)
    assert refused.value.message == text.RESULTS_BEFORE_START
    assert Event.objects.filter(results_published_at__isnull=False).count() == 0


def test_published_results_show_on_the_event_page_with_masked_names(client, contest, lead):
    first, second = participants(contest, ["张伟", "欧阳娜娜"])
    record(contest, first, 1, "98.5", lead)
    record(contest, second, 2, "95", lead)
    url = reverse("events:detail", args=[contest.pk])
    assert "<h2>成绩</h2>" not in client.get(url).content.decode()
    actions.contest_results_publish(event_id=contest.pk, acting_user=lead)
    page = client.get(url).content.decode()
    assert (
        "<tbody><tr><td>1</td><td>张*</td><td>98.5</td></tr><tr><td>2</td><td>欧***</td><td>95.0</td></tr></tbody>"
        in page
    )
    assert "张伟" not in page and "欧阳娜娜" not in page


def test_points_are_awarded_in_ascending_user_order(contest, lead):
    # Review #7: accounts locked in one order (user id) whatever the ranks, so two awards never deadlock.
    early, late = participants(contest, ["张伟", "李娜"])
    assert early.pk < late.pk
    record(contest, late, 1, "98", lead)
    record(contest, early, 2, "95", lead)
    results = actions.contest_results_publish(event_id=contest.pk, acting_user=lead)
    awarded = PointEntry.objects.filter(reason__startswith="contest_rank").order_by("pk")
    assert list(awarded.values_list("user_id", "amount")) == [(early.pk, 30), (late.pk, 50)]
    assert [result.rank for result in results] == [1, 2]


def test_a_cancelled_contest_gets_no_results(contest, lead):
    (user,) = participants(contest, ["张伟"])
    record(contest, user, 1, "98", lead)
    Event.objects.filter(pk=contest.pk).update(status="cancelled")
    with pytest.raises(actions.TransitionNotAllowed) as refused:
        actions.contest_results_publish(event_id=contest.pk, acting_user=lead)
    assert refused.value.message == text.CONTEST_CANCELLED
    with pytest.raises(actions.TransitionNotAllowed) as refused:
        record(contest, user, 2, "90", lead)
    assert refused.value.message == text.CONTEST_CANCELLED
    assert Event.objects.get(pk=contest.pk).results_published_at is None
    assert ContestResult.objects.get().rank == 1
    assert not PointEntry.objects.filter(reason__startswith="contest_rank").exists()
