"""Phone numbers in admin: station staff read 138****0001, staff with accounts.see_phone_number the number.

README: station staff see other workers' phone numbers masked. The pages: users, worker
profiles, the points ledger and the volunteer pages (teams with their members, tasks with
their sign-ups), each as a list, a change page, a search and (where there is one) a CSV.
Station staff can neither read the full number nor confirm one they hold by searching
for it; the last four digits (what they read) find the person.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts import roles
from accounts.selectors import SEE_PHONE_PERMISSION, may_see_phone, person_for, phone_for
from points.actions import points_add
from points.models import PointEntry
from rewards import actions as rewards_actions
from tests.factories import StaffFactory, UserFactory, WorkerProfileFactory
from tests.module_data import module_transaction
from tests.rewards.factories import RewardFactory, StockFactory
from tests.stations.factories import StationFactory
from tests.volunteering.factories import make_member, make_task
from volunteering import actions as volunteering_actions

pytestmark = pytest.mark.django_db

PHONE = "+8613800000001"
FULL = ("+8613800000001", "13800000001", "138 0000 0001")
MASKED = "138****0001"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), module_transaction():
        station = StationFactory(name="本站驿站")
        worker = WorkerProfileFactory(user=UserFactory(phone=PHONE, real_name="张伟")).user
        station_staff = StaffFactory(real_name="钱管理")
        station_staff.groups.add(Group.objects.get(name=roles.STATION_STAFF))
        station.staff.add(station_staff)
        district = StaffFactory(real_name="区级管理员")
        district.groups.add(Group.objects.get(name=roles.STATION_STAFF))
        district.user_permissions.add(
            Permission.objects.get(codename="manage_all_stations"),
            Permission.objects.get(codename="see_phone_number"),
        )
        checker = StaffFactory(real_name="陈审核")
        checker.groups.add(Group.objects.get(name=roles.CHECKER))
        lead = UserFactory(real_name="李队长")
        team = volunteering_actions.team_create(
            name="本站助老队", lead=lead, station=station, acting_user=None
        )
        make_member(team, worker)
        task = make_task(team)
        volunteering_actions.signup_create(task_id=task.pk, user=worker)
        done = make_task(team, days=0, what="已完成送餐")
        volunteering_actions.signup_create(task_id=done.pk, user=worker)
        volunteering_actions.task_confirm(task_id=done.pk, acting_user=lead)
        reward = RewardFactory()
        StockFactory(station=station, reward=reward)
        points_add(user=worker, amount=100, reason="adjustment")
        voucher = rewards_actions.voucher_redeem(user=worker, reward=reward, station=station)
        entry = PointEntry.objects.get(reason="reward_redeemed")
        yield SimpleNamespace(
            worker=worker,
            people={"station_staff": station_staff, "district": district, "checker": checker},
            team=team,
            task=task,
            voucher=voucher,
            entry=entry,
        )


def text_of(response) -> str:
    assert response.status_code == 200
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def pages(world):
    """Every page that shows the worker, by name."""
    worker, profile = world.worker, world.worker.profile
    return {
        "user list": reverse("admin:accounts_user_changelist"),
        "user page": reverse("admin:accounts_user_change", args=[worker.pk]),
        "user history": reverse("admin:accounts_user_history", args=[worker.pk]),
        "profile list": reverse("admin:accounts_workerprofile_changelist"),
        "profile page": reverse("admin:accounts_workerprofile_change", args=[profile.pk]),
        "profile history": reverse("admin:accounts_workerprofile_history", args=[profile.pk]),
        "ledger list": reverse("admin:points_pointentry_changelist"),
        "ledger page": reverse("admin:points_pointentry_change", args=[world.entry.pk]),
        "ledger csv": reverse("admin:points_pointentry_export"),
        "team list": reverse("admin:volunteering_team_changelist"),
        "team page (members)": reverse("admin:volunteering_team_change", args=[world.team.pk]),
        "task page (sign-ups)": reverse("admin:volunteering_task_change", args=[world.task.pk]),
        "voucher list": reverse("admin:rewards_voucher_changelist"),
        "voucher csv": reverse("admin:rewards_voucher_export"),
    }


PAGES = [
    "user list",
    "user page",
    "user history",
    "profile list",
    "profile page",
    "profile history",
    "ledger list",
    "ledger page",
    "ledger csv",
    "team page (members)",
    "task page (sign-ups)",
    "voucher list",
    "voucher csv",
]


@pytest.mark.parametrize("page", PAGES)
def test_station_staff_see_the_number_masked(client, world, page):
    client.force_login(world.people["station_staff"])
    text = text_of(client.get(pages(world)[page]))
    assert MASKED in text
    for form in FULL:
        assert form not in text, form


# A profile's history names the person without any number (WorkerProfile.__str__), for everyone.
@pytest.mark.parametrize("page", [page for page in PAGES if page != "profile history"])
def test_district_staff_see_the_number(client, world, page):
    client.force_login(world.people["district"])
    text = text_of(client.get(pages(world)[page]))
    assert any(form in text for form in FULL)
    assert MASKED not in text


def test_the_volunteer_tasks_csv(client, world):
    for who, shown in (("station_staff", MASKED), ("district", PHONE)):
        client.force_login(world.people[who])
        response = client.post(reverse("admin:volunteering_task_changelist"), {"action": "export_done_csv"})
        text = text_of(response)
        assert "张伟" in text and shown in text
        if who == "station_staff":
            assert not any(form in text for form in FULL)


@pytest.mark.parametrize("page", ["user page", "profile page", "user list", "profile list"])
def test_a_checker_sees_the_number_through_the_group(client, world, page):
    """accounts/roles.py gives the permission to the district groups (accounts.roles.SEE_FULL_PHONE)."""
    client.force_login(world.people["checker"])
    assert "138 0000 0001" in text_of(client.get(pages(world)[page]))


def test_which_groups_hold_the_permission():
    holders = set(
        Group.objects.filter(permissions__codename="see_phone_number").values_list("name", flat=True)
    )
    assert holders == {roles.CHECKER, roles.APPROVER, roles.SERVICE_STAFF, roles.GRID_ADMIN, roles.SUPPORT}
    assert holders == {name for name, held in roles.ROLE_PERMISSIONS.items() if roles.SEE_FULL_PHONE in held}
    assert roles.STATION_STAFF not in holders


SEARCHES = [
    "admin:accounts_user_changelist",
    "admin:accounts_workerprofile_changelist",
    "admin:points_pointentry_changelist",
    "admin:rewards_voucher_changelist",
]


def found(client, url, term) -> set[int]:
    return set(client.get(url, {"q": term}).context["cl"].queryset.values_list("pk", flat=True))


def rows_of(client, url, worker) -> set[int]:
    """The worker's rows in the unsearched list."""
    queryset = client.get(url).context["cl"].queryset
    field = "pk" if queryset.model is type(worker) else "user"
    return set(queryset.filter(**{field: worker.pk}).values_list("pk", flat=True))


def phone_of_row(model, pk) -> str:
    row = model._default_manager.get(pk=pk)
    return row.phone if model.__name__ == "User" else row.user.phone


@pytest.mark.parametrize("changelist", SEARCHES)
def test_station_staff_cannot_confirm_a_number_by_searching(client, world, changelist):
    client.force_login(world.people["station_staff"])
    url = reverse(changelist)
    mine = rows_of(client, url, world.worker)
    assert mine
    for term in ("13800000001", "138 0000 0001", "+8613800000001", "1380000", "0000 0001"):
        assert found(client, url, term) == set(), term
    assert found(client, url, "张伟") == mine
    by_last_four = found(client, url, "0001")
    assert mine <= by_last_four
    model = client.get(url).context["cl"].model
    assert all(phone_of_row(model, pk).endswith("0001") for pk in by_last_four)


@pytest.mark.parametrize("changelist", SEARCHES)
def test_district_staff_search_by_the_number(client, world, changelist):
    client.force_login(world.people["district"])
    url = reverse(changelist)
    mine = rows_of(client, url, world.worker)
    for term in ("13800000001", "138 0000 0001"):
        assert found(client, url, term) == mine, term


def test_the_helpers(world):
    station_staff, district = world.people["station_staff"], world.people["district"]
    assert (may_see_phone(station_staff), may_see_phone(district)) == (False, True)
    assert phone_for(station_staff, PHONE) == MASKED
    assert phone_for(district, PHONE) == "138 0000 0001"
    assert person_for(station_staff, world.worker) == "张伟 138****0001"
    assert person_for(district, None) == "—"
    assert SEE_PHONE_PERMISSION == "accounts.see_phone_number"
    worker = UserFactory()
    worker.user_permissions.add(Permission.objects.get(codename="see_phone_number"))
    assert may_see_phone(worker) is False  # only staff read numbers in admin


@pytest.mark.parametrize(
    "who, shown", [("station_staff", "张伟 138****0001"), ("district", "张伟 138 0000 0001")]
)
def test_the_person_autocomplete(client, world, who, shown):
    """The station's lead and staff pickers search people: the answer names them as the viewer may see."""
    client.force_login(world.people[who])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "stations", "model_name": "station", "field_name": "lead", "term": "张伟"},
    )
    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(world.worker.pk), "text": shown}]
    if who == "station_staff":
        assert not any(form in response.content.decode() for form in FULL)


def test_every_admin_a_role_without_full_numbers_opens_searches_phones_only_as_it_may(db):
    """An admin with a phone in its search fields that such a role opens must declare it
    (PhoneMaskedAdmin.phone_paths): searching would confirm a number the page masks."""
    from django.contrib import admin

    from accounts import permission_matrix
    from accounts.admin_people import PhoneMaskedAdmin

    undeclared = {}
    for role in permission_matrix.ROLES:
        user = permission_matrix.user_for(role)
        if user.has_perm(roles.SEE_FULL_PHONE):
            continue
        request = permission_matrix.request_for(user)
        for model, model_admin in admin.site._registry.items():
            if not model_admin.has_view_or_change_permission(request):
                continue
            phones = {field for field in model_admin.search_fields if field.split("__")[-1] == "phone"}
            declared = set(model_admin.phone_paths) if isinstance(model_admin, PhoneMaskedAdmin) else set()
            if phones - declared:
                undeclared[(role.key, model._meta.label_lower)] = sorted(phones - declared)
    assert undeclared == {}
