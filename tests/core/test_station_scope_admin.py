"""Every station-scoped admin, asked by four kinds of people (stations.admin_scope).

Two stations, 本站驿站 and 别站驿站, each with its own worker, topic, session, event,
registration, check-in, volunteer team and task, stock and voucher, and the ledger line
the voucher wrote. Who asks: station staff of 本站 ("here"), station staff of 别站
("there"), district staff (stations.manage_all_stations, accounts.see_phone_number)
and a superuser. For each admin: the changelist rows, the change page (a foreign id
answers 404), the admin actions on a foreign row (no effect), the CSV exports, the
station filter and the choice fields. Denied cases assert that nothing changed and
that neither the foreign worker's name nor any form of their phone is in the answer.

The world is built once per module (in a transaction rolled back at the end); each
test runs in its own savepoint, so what a test changes never reaches the next.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from core.models import AuditEntry
from deliberation import actions as deliberation_actions
from deliberation.models import Session, Topic
from events.models import CheckIn, Event
from points.actions import points_add
from points.models import PointEntry
from rewards import actions as rewards_actions
from rewards.models import Voucher
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import StaffFactory, UserFactory
from tests.module_data import module_transaction
from tests.rewards.factories import RewardFactory, StockFactory
from tests.stations.factories import StationFactory
from tests.volunteering.factories import make_task
from volunteering import actions as volunteering_actions
from volunteering.models import Task, Team

pytestmark = pytest.mark.django_db

WHO = ["here_staff", "there_staff", "district", "superuser"]
# Who sees the rows of each station.
SEES = {
    "here": {"here_staff", "district", "superuser"},
    "there": {"there_staff", "district", "superuser"},
}
PHONES = {"here": "+8613800000001", "there": "+8613600000009"}
NAMES = {"here": "本站小哥", "there": "别站小哥"}
STATION_NAMES = {"here": "本站驿站", "there": "别站驿站"}
TAGS = {"here": "本站", "there": "别站"}


def phone_forms(e164: str) -> list[str]:
    """Every way a number can show: E.164, as typed, as dialled, and masked."""
    local = e164.removeprefix("+86")
    return [e164, local, f"{local[:3]} {local[3:7]} {local[7:]}", f"{local[:3]}****{local[7:]}"]


def full_phone_forms(e164: str) -> list[str]:
    return phone_forms(e164)[:3]


def _build_station(side: str, station, worker, superuser, reward):
    tag = TAGS[side]
    topic = deliberation_actions.topic_raise(
        station=station, raised_by=worker, title=f"{tag}议题", description="午高峰电动车没处停。"
    )
    agenda = deliberation_actions.topic_raise(
        station=station, raised_by=worker, title=f"{tag}待议议题", description="门岗不让进。"
    )
    deliberation_actions.topic_accept(topic_id=agenda.pk, acting_user=superuser)
    starts = timezone.now() + timedelta(days=3)
    session = deliberation_actions.session_schedule(
        station=station,
        title=f"{tag}议事会",
        place="驿站二楼",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        seat_limit=20,
        parties=["mall", "riders"],
        topic_ids=[agenda.pk],
        acting_user=superuser,
    )
    event = EventFactory(station=station, title=f"{tag}分享会")
    registration = RegistrationFactory(event=event, user=worker)
    checkin = CheckIn.objects.create(registration=registration, event=event, user=worker)
    team = volunteering_actions.team_create(
        name=f"{tag}助老队", lead=worker, station=station, acting_user=superuser
    )
    recipient = volunteering_actions.RecipientDetails(
        name=f"{tag}阿婆",
        address=f"{tag}小区1幢101室",
        phone="0571-8800000" + ("1" if side == "here" else "9"),
    )
    task = make_task(team, recipient=recipient, what=f"{tag}送餐")
    volunteering_actions.signup_create(task_id=task.pk, user=worker)
    done = make_task(team, days=0, recipient=recipient, what=f"{tag}已完成送餐")
    volunteering_actions.signup_create(task_id=done.pk, user=worker)
    volunteering_actions.task_confirm(task_id=done.pk, acting_user=superuser)
    stock = StockFactory(station=station, reward=reward, quantity=5 if side == "here" else 50)
    points_add(user=worker, amount=100, reason="adjustment")
    voucher = rewards_actions.voucher_redeem(user=worker, reward=reward, station=station)
    ledger = PointEntry.objects.get(reason="reward_redeemed", user=worker)
    return SimpleNamespace(
        station=station,
        worker=worker,
        topic=topic,
        session=session,
        event=event,
        registration=registration,
        checkin=checkin,
        team=team,
        task=task,
        done_task=done,
        stock=stock,
        voucher=voucher,
        ledger=ledger,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), module_transaction():
        group = Group.objects.get(name=roles.STATION_STAFF)
        superuser = StaffFactory(is_superuser=True, real_name="系统管理员")
        reward = RewardFactory()
        sides = {}
        people = {"superuser": superuser}
        for side in ("here", "there"):
            station = StationFactory(name=STATION_NAMES[side])
            worker = UserFactory(phone=PHONES[side], real_name=NAMES[side])
            staff = StaffFactory(real_name=f"{TAGS[side]}管理员")
            staff.groups.add(group)
            station.staff.add(staff)
            people[f"{side}_staff"] = staff
            sides[side] = _build_station(side, station, worker, superuser, reward)
        district = StaffFactory(real_name="区级管理员")
        district.groups.add(group)
        district.user_permissions.add(
            Permission.objects.get(codename="manage_all_stations"),
            Permission.objects.get(codename="see_phone_number"),
        )
        people["district"] = district
        # A ledger line no station wrote: only district staff read it.
        adjustment = points_add(user=sides["here"].worker, amount=5, reason="adjustment", note="区级补发")
        yield SimpleNamespace(people=people, adjustment=adjustment, **sides)


# name, admin URL prefix, attribute of a side
ADMINS = [
    ("station", "stations_station", "station"),
    ("topic", "deliberation_topic", "topic"),
    ("session", "deliberation_session", "session"),
    ("event", "events_event", "event"),
    ("registration", "events_registration", "registration"),
    ("checkin", "events_checkin", "checkin"),
    ("team", "volunteering_team", "team"),
    ("task", "volunteering_task", "task"),
    ("stock", "rewards_rewardstock", "stock"),
    ("voucher", "rewards_voucher", "voucher"),
    ("ledger", "points_pointentry", "ledger"),
]
ADMIN_IDS = [name for name, _, _ in ADMINS]


def as_(client, world, who):
    client.force_login(world.people[who])
    return client


def body(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def assert_nothing_of(text: str, world, side: str) -> None:
    """Nothing of that station's worker, station or rows is in the answer."""
    assert NAMES[side] not in text
    assert STATION_NAMES[side] not in text
    for form in phone_forms(PHONES[side]):
        assert form not in text, form
    for secret in (f"{TAGS[side]}阿婆", f"{TAGS[side]}小区1幢101室"):
        assert secret not in text


def assert_no_full_phone(text: str, side: str) -> None:
    for form in full_phone_forms(PHONES[side]):
        assert form not in text, form


# --- Changelists ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name, prefix, attr", ADMINS, ids=ADMIN_IDS)
def test_changelist_rows(client, world, who, name, prefix, attr):
    text = body(as_(client, world, who).get(reverse(f"admin:{prefix}_changelist")))
    for side in ("here", "there"):
        row = getattr(getattr(world, side), attr)
        link = reverse(f"admin:{prefix}_change", args=[row.pk])
        assert (link in text) is (who in SEES[side]), (side, link)
        if who not in SEES[side]:
            assert_nothing_of(text, world, side)
    if who in ("here_staff", "there_staff"):
        assert_no_full_phone(text, "here" if who == "here_staff" else "there")


@pytest.mark.parametrize("who", WHO)
def test_ledger_lines_without_a_station_only_for_district_staff(client, world, who):
    text = body(as_(client, world, who).get(reverse("admin:points_pointentry_changelist")))
    link = reverse("admin:points_pointentry_change", args=[world.adjustment.pk])
    assert (link in text) is (who in ("district", "superuser"))


# --- Change pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name, prefix, attr", ADMINS, ids=ADMIN_IDS)
def test_change_page(client, world, who, name, prefix, attr):
    row = getattr(world.here, attr)
    response = as_(client, world, who).get(reverse(f"admin:{prefix}_change", args=[row.pk]))
    if who in SEES["here"]:
        assert response.status_code == 200
    else:
        assert response.status_code == 404  # exactly like a missing id
        assert_nothing_of(body(response), world, "here")
    if who == "here_staff":
        assert_no_full_phone(body(response), "here")
    missing = as_(client, world, who).get(reverse(f"admin:{prefix}_change", args=[987654]))
    assert missing.status_code == 404


@pytest.mark.parametrize("who", ["there_staff", "here_staff"])
def test_the_elderly_person_only_at_their_own_station(client, world, who):
    text = body(
        as_(client, world, who).get(reverse("admin:volunteering_task_change", args=[world.here.task.pk]))
    )
    if who == "here_staff":
        assert "本站阿婆" in text and "本站小区1幢101室" in text and "0571-88000001" in text
    else:
        assert "本站阿婆" not in text and "0571-88000001" not in text


# --- Admin actions on a foreign row: no effect ---------------------------------------------------


def post_action(client, prefix, action, pks, **extra):
    return client.post(
        reverse(f"admin:{prefix}_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in pks], **extra},
    )


ACTIONS = [
    # admin prefix, action, side attribute, the state it would change
    ("deliberation_topic", "accept_selected", "topic", lambda row: Topic.objects.get(pk=row.pk).status),
    ("events_event", "cancel_selected", "event", lambda row: Event.objects.get(pk=row.pk).status),
    ("volunteering_task", "cancel_selected", "task", lambda row: Task.objects.get(pk=row.pk).status),
    ("rewards_voucher", "confirm_handover", "voucher", lambda row: Voucher.objects.get(pk=row.pk).status),
]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("prefix, action, attr, state", ACTIONS, ids=[f"{a[0]}.{a[1]}" for a in ACTIONS])
def test_admin_action_on_the_row_of_here(client, world, who, prefix, action, attr, state):
    row = getattr(world.here, attr)
    before = state(row)
    audits = AuditEntry.objects.count()
    response = post_action(as_(client, world, who), prefix, action, [row.pk])
    if who in SEES["here"]:
        assert state(row) != before  # the action did its work: the check below can fail
    else:
        assert state(row) == before
        assert AuditEntry.objects.count() == audits
        assert_nothing_of(body(response), world, "here")


@pytest.mark.parametrize("who", WHO)
def test_cancelling_a_session_of_another_station(client, world, who):
    session = world.here.session
    client = as_(client, world, who)
    response = post_action(client, "deliberation_session", "cancel_selected", [session.pk])
    cancel = reverse("admin:deliberation_session_cancel", args=[session.pk])
    if who in SEES["here"]:
        assert response["Location"] == cancel
    else:
        assert response.get("Location") != cancel
        assert client.post(cancel, {"reason": "不开了"}).status_code == 404
        assert Session.objects.get(pk=session.pk).status == "scheduled"


# --- The team lead changes through its action, audited ------------------------------------------


def team_post(team, lead):
    return {
        "name": team.name,
        "description": team.description,
        "station": team.station_id,
        "lead": lead.pk,
        "is_active": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }


@pytest.mark.parametrize("who", WHO)
def test_changing_a_teams_lead(client, world, who):
    team = world.here.team
    new_lead = UserFactory(real_name="新队长")
    response = as_(client, world, who).post(
        reverse("admin:volunteering_team_change", args=[team.pk]), team_post(team, new_lead)
    )
    team.refresh_from_db()
    entries = AuditEntry.objects.filter(action="volunteering.team.lead_change", target_id=str(team.pk))
    if who in SEES["here"]:
        assert response.status_code == 302
        assert team.lead == new_lead
        assert list(entries.values_list("actor", "data")) == [
            (world.people[who].pk, {"before": world.here.worker.pk, "after": new_lead.pk})
        ]
        assert team.memberships.get(user=new_lead).status == "active"
    else:
        assert response.status_code == 404
        assert team.lead == world.here.worker
        assert not entries.exists()
        assert_nothing_of(body(response), world, "here")


def test_the_lead_change_action_refuses_staff_of_another_station(world):
    from core.exceptions import PermissionDenied

    team = world.here.team
    with pytest.raises(PermissionDenied) as refused:
        volunteering_actions.team_lead_change(
            team_id=team.pk, lead=UserFactory(), acting_user=world.people["there_staff"]
        )
    assert refused.value.message == "只有该队所属驿站的工作人员才能这样做。"
    assert Team.objects.get(pk=team.pk).lead_id == world.here.worker.pk
    assert not AuditEntry.objects.filter(action="volunteering.team.lead_change").exists()


# --- CSV exports ---------------------------------------------------------------------------------


def csv_of(client, url, data=None, method="get"):
    response = getattr(client, method)(url, data or {})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return body(response)


EXPORTS = [
    # what, how to get it, the marker of a side's row in the file
    (
        "topics",
        lambda c, w: csv_of(c, reverse("admin:deliberation_topic_export")),
        lambda s: f"{TAGS[s]}议题",
    ),
    ("vouchers", lambda c, w: csv_of(c, reverse("admin:rewards_voucher_export")), lambda s: STATION_NAMES[s]),
    ("ledger", lambda c, w: csv_of(c, reverse("admin:points_pointentry_export")), lambda s: NAMES[s]),
    (
        "attendance",
        lambda c, w: csv_of(
            c,
            reverse("admin:events_registration_changelist"),
            {
                "action": "export_attendance",
                "_selected_action": [w.here.registration.pk, w.there.registration.pk],
            },
            "post",
        ),
        lambda s: f"{TAGS[s]}分享会",
    ),
    (
        "volunteer tasks",
        lambda c, w: csv_of(
            c, reverse("admin:volunteering_task_changelist"), {"action": "export_done_csv"}, "post"
        ),
        lambda s: f"{TAGS[s]}助老队",
    ),
]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("what, export, marker", EXPORTS, ids=[e[0] for e in EXPORTS])
def test_csv_exports(client, world, who, what, export, marker):
    text = export(as_(client, world, who), world)
    for side in ("here", "there"):
        assert (marker(side) in text) is (who in SEES[side]), side
        if who not in SEES[side]:
            assert_nothing_of(text, world, side)
    if who in ("here_staff", "there_staff"):
        assert_no_full_phone(text, "here" if who == "here_staff" else "there")


@pytest.mark.parametrize("who, full", [("district", True), ("superuser", True), ("here_staff", False)])
def test_phones_in_the_csv_exports(client, world, who, full):
    client = as_(client, world, who)
    for url in (reverse("admin:rewards_voucher_export"), reverse("admin:points_pointentry_export")):
        text = csv_of(client, url)
        assert ("13800000001" in text) is full, url
        assert ("138****0001" in text) is not full, url
    for action in ("export_attendance", "export_done_csv"):
        prefix = "events_registration" if action == "export_attendance" else "volunteering_task"
        selected = [world.here.registration.pk] if action == "export_attendance" else []
        text = body(post_action(client, prefix, action, selected))
        assert ("13800000001" in text) is full, action
        assert ("138****0001" in text) is not full, action


# --- Station filters and choice fields -----------------------------------------------------------

FILTERS = [
    ("deliberation_topic", "station__id__exact", "station"),
    ("deliberation_session", "station__id__exact", "station"),
    ("events_event", "station__id__exact", "station"),
    ("events_registration", "event__station__id__exact", "station"),
    ("events_checkin", "event__station__id__exact", "station"),
    ("volunteering_team", "station__id__exact", "station"),
    ("volunteering_task", "team__id__exact", "team"),
    ("rewards_rewardstock", "station__id__exact", "station"),
    ("rewards_voucher", "station__id__exact", "station"),
]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("prefix, parameter, attr", FILTERS, ids=[f[0] for f in FILTERS])
def test_the_station_filter_offers_own_stations(client, world, who, prefix, parameter, attr):
    if who in ("here_staff", "there_staff"):
        # A second station (and team) of their own: a filter with one choice is not shown at all.
        side = getattr(world, who.removesuffix("_staff"))
        second = StationFactory(name="二号驿站", lead=world.people[who])
        Team.objects.create(name="二号助老队", lead=side.worker, station=side.station)
        assert second.pk
    text = body(as_(client, world, who).get(reverse(f"admin:{prefix}_changelist")))
    for side in ("here", "there"):
        choice = f"{parameter}={getattr(world, side).__dict__[attr].pk}&"
        assert (choice in text.replace("&amp;", "&").replace('"', "&")) is (who in SEES[side]), (side, choice)


ADD_PAGES = [
    # add page, the names of a side's choices that must (not) be offered
    ("deliberation_session", lambda s: [STATION_NAMES[s], f"{TAGS[s]}议题"]),
    ("events_event", lambda s: [STATION_NAMES[s]]),
    ("events_contestresult", lambda s: [STATION_NAMES[s]]),
    ("volunteering_team", lambda s: [STATION_NAMES[s]]),
    ("volunteering_task", lambda s: [f"{TAGS[s]}助老队"]),
    ("rewards_rewardstock", lambda s: [STATION_NAMES[s]]),
]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("prefix, choices", ADD_PAGES, ids=[a[0] for a in ADD_PAGES])
def test_choice_fields_offer_own_stations(client, world, who, prefix, choices):
    if prefix == "rewards_rewardstock" and who != "superuser":
        # Stock rows are added by whoever holds the permission: their station choice is still scoped.
        world.people[who].user_permissions.add(Permission.objects.get(codename="add_rewardstock"))
    if prefix == "deliberation_session":
        for side in ("here", "there"):  # accepted topics are offered for the agenda
            deliberation_actions.topic_accept(
                topic_id=getattr(world, side).topic.pk, acting_user=world.people["superuser"]
            )
    if prefix == "events_contestresult":
        # A contest at each station (the contest-result form offers open contests only).
        for side in ("here", "there"):
            EventFactory(
                station=getattr(world, side).station, kind=Event.Kind.CONTEST, title=STATION_NAMES[side]
            )
    response = as_(client, world, who).get(reverse(f"admin:{prefix}_add"))
    assert response.status_code == 200
    text = body(response)
    for side in ("here", "there"):
        for choice in choices(side):
            assert (choice in text) is (who in SEES[side]), (side, choice)


# --- The actions ask the door too (whatever surface calls them) ----------------------------------


@pytest.mark.parametrize("who", WHO)
def test_event_actions_ask_the_door(world, who):
    from core.exceptions import PermissionDenied
    from events import actions as events_actions

    event, user = world.here.event, world.people[who]
    audits = AuditEntry.objects.count()
    if who in SEES["here"]:
        events_actions.event_cancel(event_id=event.pk, acting_user=user)
        assert Event.objects.get(pk=event.pk).status == "cancelled"
        return
    with pytest.raises(PermissionDenied) as refused:
        events_actions.event_cancel(event_id=event.pk, acting_user=user)
    assert refused.value.message == "只有该活动所在驿站的工作人员才能这样做。"
    with pytest.raises(PermissionDenied):
        events_actions.event_create(
            station=event.station,
            kind=event.kind,
            title="别人的活动",
            place="二楼",
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            seat_limit=5,
            acting_user=user,
        )
    assert Event.objects.get(pk=event.pk).status == event.status
    assert not Event.objects.filter(title="别人的活动").exists()
    assert AuditEntry.objects.count() == audits


@pytest.mark.parametrize("who", WHO)
def test_volunteer_task_actions_ask_the_door(world, who):
    from core.exceptions import PermissionDenied

    task, user = world.here.task, world.people[who]
    if who in SEES["here"]:
        volunteering_actions.task_cancel(task_id=task.pk, acting_user=user, reason="下雨")
        assert Task.objects.get(pk=task.pk).status == "cancelled"
        return
    with pytest.raises(PermissionDenied):
        volunteering_actions.task_cancel(task_id=task.pk, acting_user=user, reason="下雨")
    assert Task.objects.get(pk=task.pk).status == task.status
