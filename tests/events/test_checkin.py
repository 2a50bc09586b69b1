from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import actions, codes
from events.models import CheckIn, Event, Registration
from events.points_kinds import EVENT_ATTENDED
from points.models import PointAccount, PointEntry, PointRule
from tests.events import messages as text
from tests.events.factories import EventFactory, RegistrationFactory, ongoing_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(station):
    return ongoing_event(station=station, title="外卖骑手技能竞赛")


@pytest.fixture
def seated(live, worker):
    return RegistrationFactory(event=live, user=worker)


def check_in(event, user, code=None, now=None):
    return actions.checkin_create(
        event_id=event.pk, user=user, code=code or codes.checkin_code(event.pk, now), now=now
    )


def nothing_written():
    return not CheckIn.objects.exists() and not PointEntry.objects.exists()


def refused_with(message, event, user, code=None, now=None):
    with pytest.raises(actions.CheckInRefused) as refused:
        check_in(event, user, code, now)
    assert refused.value.message == message
    assert refused.value.status_code == 409


# --- the code -------------------------------------------------------------------------------


def test_the_code_is_six_digits_and_changes_every_minute():
    at = timezone.now().replace(second=5, microsecond=0)
    code = codes.checkin_code(7, at)
    assert len(code) == 6 and code.isdigit()
    assert codes.checkin_code(7, at + timedelta(seconds=50)) == code
    assert codes.checkin_code(7, at + timedelta(seconds=60)) != code
    assert codes.checkin_code(8, at) != code


def test_the_current_and_the_previous_window_are_accepted():
    at = timezone.now().replace(second=30, microsecond=0)
    opened = at - timedelta(hours=1)
    assert codes.verify(7, codes.checkin_code(7, at), opened_at=opened, at=at) == codes.OK
    previous = codes.checkin_code(7, at - timedelta(seconds=60))
    assert codes.verify(7, previous, opened_at=opened, at=at) == codes.OK
    older = codes.checkin_code(7, at - timedelta(seconds=120))
    assert codes.verify(7, older, opened_at=opened, at=at) == codes.EXPIRED


def test_the_code_depends_on_the_secret_key(settings):
    at = timezone.now()
    before = codes.checkin_code(7, at)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert codes.checkin_code(7, at) != before


# --- check-in ---------------------------------------------------------------------------------


def test_a_seated_worker_checks_in_and_earns_points_once(live, seated, worker):
    checkin = check_in(live, worker)
    assert checkin.registration == seated
    assert checkin.points == 10
    entry = PointEntry.objects.get(user=worker)
    assert (entry.amount, entry.reason, entry.once_key) == (
        10,
        EVENT_ATTENDED,
        f"event_attended:{live.pk}:{worker.pk}",
    )
    assert entry.source_id == str(checkin.pk)
    assert PointAccount.objects.get(user=worker).balance == 10


def test_the_amount_comes_from_the_point_rule(live, seated, worker):
    PointRule.objects.update_or_create(event=EVENT_ATTENDED, defaults={"amount": 15})
    assert check_in(live, worker).points == 15


def test_a_rule_of_zero_points_checks_in_without_points(live, seated, worker):
    PointRule.objects.update_or_create(event=EVENT_ATTENDED, defaults={"amount": 0})
    assert check_in(live, worker).points == 0
    assert not PointEntry.objects.exists()


def test_check_in_opens_thirty_minutes_before_the_start(station, worker):
    now = timezone.now()
    event = EventFactory(
        station=station, starts_at=now + timedelta(minutes=29), ends_at=now + timedelta(hours=2)
    )
    RegistrationFactory(event=event, user=worker)
    assert check_in(event, worker, now=now).points == 10


def test_refused_an_expired_code(live, seated, worker):
    old = codes.checkin_code(live.pk, timezone.now() - timedelta(minutes=3))
    refused_with(text.CODE_EXPIRED, live, worker, old)
    assert nothing_written()


def test_refused_a_code_from_another_event(live, seated, worker, station):
    other = ongoing_event(station=station, title="诗歌分享会")
    refused_with(text.CODE_OTHER_EVENT, live, worker, codes.checkin_code(other.pk))
    assert nothing_written()


def test_refused_a_wrong_code(live, seated, worker):
    now = timezone.now()
    current = {codes.checkin_code(live.pk, now), codes.checkin_code(live.pk, now - timedelta(seconds=60))}
    wrong = next(code for code in ("000000", "111111", "222222") if code not in current)
    refused_with(text.CODE_WRONG, live, worker, wrong)
    assert nothing_written()


@pytest.mark.parametrize("status", ["waitlisted", "cancelled", None])
def test_refused_a_worker_without_a_seat(live, worker, status):
    if status:
        RegistrationFactory(event=live, user=worker, status=status)
    refused_with(text.CHECKIN_NOT_REGISTERED, live, worker)
    assert nothing_written()


def test_refused_a_second_check_in(live, seated, worker):
    check_in(live, worker)
    refused_with(text.CHECKIN_TWICE, live, worker)
    assert CheckIn.objects.count() == 1
    assert PointEntry.objects.count() == 1


@pytest.mark.parametrize(
    "starts_in, ends_in",
    [(timedelta(minutes=31), timedelta(hours=2)), (-timedelta(hours=2), -timedelta(minutes=1))],
    ids=["too early", "ended"],
)
def test_refused_outside_the_check_in_time(station, worker, starts_in, ends_in):
    now = timezone.now()
    event = EventFactory(station=station, starts_at=now + starts_in, ends_at=now + ends_in)
    RegistrationFactory(event=event, user=worker)
    refused_with(text.CHECKIN_NOT_OPEN, event, worker, now=now)
    assert nothing_written()


def test_refused_for_a_cancelled_event(live, seated, worker):
    Event.objects.filter(pk=live.pk).update(status="cancelled")
    refused_with(text.CHECKIN_EVENT_CANCELLED, live, worker)
    assert nothing_written()


# --- the pages ------------------------------------------------------------------------------


def test_the_check_in_page_is_prefilled_from_the_qr_link(live, seated, worker_client):
    page = worker_client.get(reverse("events:checkin", args=[live.pk]) + "?code=123456").content.decode()
    assert 'value="123456"' in page
    assert 'inputmode="numeric"' in page
    assert "外卖骑手技能竞赛" in page


def test_checking_in_through_the_page_shows_the_points(live, seated, worker_client, worker):
    url = reverse("events:checkin", args=[live.pk])
    response = worker_client.post(url, {"code": codes.checkin_code(live.pk)})
    assert response.status_code == 302
    assert response["Location"] == reverse("events:checkin_done", args=[live.pk])
    page = worker_client.get(response["Location"]).content.decode()
    assert "你已签到：外卖骑手技能竞赛。" in page
    assert '<p class="balance-value" id="points-earned">+10 积分</p>' in page
    assert CheckIn.objects.filter(user=worker).count() == 1


@pytest.mark.parametrize("code", ["", "12345", "12a456", "1234567", "①②③④⑤⑥"])
def test_bad_codes_are_refused_by_the_form(live, seated, worker_client, code):
    response = worker_client.post(reverse("events:checkin", args=[live.pk]), {"code": code})
    assert response.status_code == 400
    page = response.content.decode()
    assert text.CODE_FORMAT in page
    if code:
        assert f'value="{code}"' in page
    assert nothing_written()


def test_a_code_typed_with_spaces_is_accepted(live, seated, worker_client):
    code = codes.checkin_code(live.pk)
    response = worker_client.post(
        reverse("events:checkin", args=[live.pk]), {"code": f"{code[:3]} {code[3:]}"}
    )
    assert response.status_code == 302
    assert CheckIn.objects.count() == 1


def test_a_refusal_keeps_the_typed_code_and_says_why(live, worker_client):
    response = worker_client.post(reverse("events:checkin", args=[live.pk]), {"code": "654321"})
    assert response.status_code == 409
    page = response.content.decode()
    assert text.CHECKIN_NOT_REGISTERED in page
    assert 'value="654321"' in page
    assert nothing_written()


def test_check_in_for_a_missing_event_is_404(worker_client):
    assert worker_client.post(reverse("events:checkin", args=[999999]), {"code": "123456"}).status_code == 404
    assert worker_client.get(reverse("events:checkin_done", args=[999999])).status_code == 404


def test_anonymous_is_sent_to_log_in_and_nothing_is_written(client, live):
    response = client.post(reverse("events:checkin", args=[live.pk]), {"code": codes.checkin_code(live.pk)})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_request_login_code"))
    assert nothing_written()


def test_the_done_page_without_a_check_in_goes_back_to_the_form(live, worker_client):
    response = worker_client.get(reverse("events:checkin_done", args=[live.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("events:checkin", args=[live.pk])


def test_another_worker_cannot_use_my_registration(live, seated):
    stranger = UserFactory()
    refused_with(text.CHECKIN_NOT_REGISTERED, live, stranger)
    assert nothing_written()


def test_after_five_wrong_codes_the_worker_waits(live, seated, worker_client, worker):
    url = reverse("events:checkin", args=[live.pk])
    now = timezone.now()
    current = {codes.checkin_code(live.pk, now + timedelta(seconds=s)) for s in (-60, 0, 60)}
    wrong = next(code for code in ("000000", "111111", "222222") if code not in current)
    for _ in range(5):
        assert worker_client.post(url, {"code": wrong}).status_code == 409
    response = worker_client.post(url, {"code": codes.checkin_code(live.pk)})
    assert response.status_code == 429
    assert "错误次数太多，请10分钟后再试，或请现场工作人员帮忙。" in response.content.decode()
    assert nothing_written()


def test_refusals_that_are_not_about_the_code_do_not_count(live, worker_client):
    url = reverse("events:checkin", args=[live.pk])
    for _ in range(6):
        assert worker_client.post(url, {"code": "123456"}).status_code == 409  # no seat
    response = worker_client.post(url, {"code": "123456"})
    assert response.status_code == 409
    assert text.CHECKIN_NOT_REGISTERED in response.content.decode()


# --- check in, then cancel (review #1) ----------------------------------------------------------


@pytest.fixture
def soon(station):
    """Starts in twenty minutes: check-in is open, cancelling would still be before the start."""
    now = timezone.now()
    return EventFactory(
        station=station,
        title="外卖骑手技能竞赛",
        starts_at=now + timedelta(minutes=20),
        ends_at=now + timedelta(hours=2),
    )


def test_a_checked_in_worker_cannot_cancel_the_registration(soon, worker_client, worker):
    RegistrationFactory(event=soon, user=worker)
    check_in(soon, worker)
    with pytest.raises(actions.RegistrationRefused) as refused:
        actions.registration_cancel(event_id=soon.pk, user=worker)
    assert refused.value.message == text.CANCEL_AFTER_CHECKIN
    response = worker_client.post(reverse("events:cancel", args=[soon.pk]), follow=True)
    assert text.CANCEL_AFTER_CHECKIN in response.content.decode()
    assert Registration.objects.get(user=worker).status == "registered"
    assert PointAccount.objects.get(user=worker).balance == 10


def test_checking_in_again_on_a_new_registration_is_refused_not_a_500(soon, worker_client, worker):
    # What the old code let happen: checked in, then cancelled, then registered again.
    first = RegistrationFactory(event=soon, user=worker)
    check_in(soon, worker)
    Registration.objects.filter(pk=first.pk).update(status="cancelled")
    second = actions.registration_create(event_id=soon.pk, user=worker)
    response = worker_client.post(
        reverse("events:checkin", args=[soon.pk]), {"code": codes.checkin_code(soon.pk)}
    )
    assert response.status_code == 409
    assert text.CHECKIN_TWICE in response.content.decode()
    assert list(CheckIn.objects.values_list("registration_id", flat=True)) == [first.pk]
    assert second.pk != first.pk
    assert PointEntry.objects.filter(user=worker).count() == 1
