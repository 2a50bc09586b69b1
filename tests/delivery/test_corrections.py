"""Riders propose corrections; district staff or the site's managers decide; the map changes once."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from delivery import actions
from delivery.models import Building, Correction, Gate, Parking, SiteChange, SiteNote
from points.models import PointAccount, PointEntry
from tests.delivery.factories import HERE, build_site
from tests.factories import StaffFactory, UserFactory
from tests.governance.factories import clean_photo, photo_upload

pytestmark = pytest.mark.django_db

NO_LOCATION = "请允许网页使用你的位置（点“使用我的位置”）：纠错要和你所在的位置核对。"
NOT_IMAGE = "无法识别这个文件，请上传 JPEG、PNG 或 WebP 格式的照片。"
NOT_YOUR_SITE = "只有区里的工作人员或本小区的物业管理员可以处理它的纠错。"


@pytest.fixture
def rider(db):
    return UserFactory(real_name="王骑手")


@pytest.fixture
def district_staff(db):
    user = StaffFactory(real_name="周服务")
    user.groups.add(Group.objects.get(name=roles.SERVICE_STAFF))
    return user


@pytest.fixture
def manager(site):
    user = UserFactory(real_name="紫金港物业")
    site.managers.add(user)
    return user


@pytest.fixture
def other_manager(db):
    other = build_site("西溪诚园", aliases="", point=(30.2818, 120.0911), buildings=1, units=1)
    user = UserFactory(real_name="诚园物业")
    other.managers.add(user)
    return user


def propose(site, rider, **overrides) -> Correction:
    options = {
        "site": site,
        "proposer": rider,
        "kind": Correction.Kind.GATE_CLOSED,
        "text": "北门晚上锁了",
        "lat": HERE[0] + 0.001,
        "lng": HERE[1],
        "photo": clean_photo(),
        "gate": Gate.objects.get(site=site, name="北门"),
    }
    options.update(overrides)
    return actions.correction_propose(**options)


def form_data(site, **overrides):
    data = {
        "kind": "gate_closed",
        "gate": str(Gate.objects.get(site=site, name="北门").pk),
        "text": "北门晚上锁了",
        "photo": photo_upload(),
        "lat": str(HERE[0] + 0.001),
        "lng": str(HERE[1]),
        "building": "",
        "building_number": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Proposing: the page and its bad input ---------------------------------------------


def test_a_rider_proposes_with_a_photo_and_location(client, site, rider):
    client.force_login(rider)
    response = client.post(reverse("delivery:correct", args=[site.uuid]), form_data(site))
    correction = Correction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:correction", args=[correction.pk])
    assert (correction.proposer, correction.kind, correction.status) == (rider, "gate_closed", "pending")
    assert correction.photo.read()[:3] == b"\xff\xd8\xff"  # re-encoded JPEG
    assert [(d.from_status, d.to_status) for d in correction.decisions.all()] == [("", "pending")]


def test_the_anonymous_are_sent_to_log_in(client, site):
    response = client.post(reverse("delivery:correct", args=[site.uuid]), form_data(site))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Correction.objects.exists()


def test_a_correction_far_from_the_site_is_refused_and_keeps_the_text(client, site, rider):
    client.force_login(rider)
    response = client.post(
        reverse("delivery:correct", args=[site.uuid]), form_data(site, lat="30.2741", lng="120.1202")
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "你离紫金港花园有 4.5 公里。请在现场（1 公里以内）提出纠错，让位置能说明你看到的情况。" in body
    assert "北门晚上锁了" in body
    assert not Correction.objects.exists()


def test_a_photo_that_is_not_a_photo_is_refused(client, site, rider):
    client.force_login(rider)
    fake = photo_upload(b"%PDF-1.4 not a photo", name="photo.jpg")
    response = client.post(reverse("delivery:correct", args=[site.uuid]), form_data(site, photo=fake))
    assert response.status_code == 400
    assert response.context["form"].errors["photo"] == [NOT_IMAGE]
    assert "北门晚上锁了" in response.content.decode()
    assert not Correction.objects.exists()


def test_without_a_location_the_form_says_why_it_needs_one(client, site, rider):
    client.force_login(rider)
    response = client.post(reverse("delivery:correct", args=[site.uuid]), form_data(site, lat="", lng=""))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [NO_LOCATION]
    assert not Correction.objects.exists()


def test_a_building_number_that_does_not_parse_is_refused_next_to_the_field(client, site, rider):
    client.force_login(rider)
    building = Building.objects.get(site=site, number="3")
    data = form_data(
        site, kind="building_number", gate="", building=str(building.pk), building_number="三号半"
    )
    response = client.post(reverse("delivery:correct", args=[site.uuid]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["building_number"] == [
        "“三号半”不是能识别的楼号，请写成 3、3幢、12号楼 或 3幢2单元。"
    ]
    assert 'value="三号半"' in response.content.decode()
    assert not Correction.objects.exists()


def test_a_gate_of_another_site_is_not_a_choice(client, site, rider, other_manager):
    client.force_login(rider)
    foreign = Gate.objects.exclude(site=site).first()
    response = client.post(
        reverse("delivery:correct", args=[site.uuid]), form_data(site, gate=str(foreign.pk))
    )
    assert response.status_code == 400
    assert response.context["form"].errors["gate"] == ["请从列表中选择一项。"]


def test_a_closed_gate_needs_the_gate(site, rider):
    with pytest.raises(actions.ApplicationError) as raised:
        propose(site, rider, gate=None)
    assert raised.value.message == "请选择你说的是哪个门。"


# --- Deciding: every role, refused ones change nothing -----------------------------------


def snapshot(correction):
    correction.refresh_from_db()
    gate = Gate.objects.get(pk=correction.gate_id)
    return (correction.status, gate.is_active, SiteChange.objects.count(), PointEntry.objects.count())


@pytest.mark.parametrize(
    "role, status, decided",
    [
        ("anonymous", 302, False),
        ("proposer", 404, False),
        ("other_worker", 404, False),
        ("staff_without_perm", 404, False),
        ("other_site_manager", 404, False),
        ("site_manager", 302, True),
        ("district_staff", 302, True),
    ],
)
def test_who_may_accept(client, site, rider, manager, other_manager, district_staff, role, status, decided):
    correction = propose(site, rider)
    users = {
        "proposer": rider,
        "other_worker": UserFactory(),
        "staff_without_perm": StaffFactory(),
        "other_site_manager": other_manager,
        "site_manager": manager,
        "district_staff": district_staff,
    }
    if role in users:
        client.force_login(users[role])
    before = snapshot(correction)
    response = client.post(
        reverse("delivery:decide", args=[correction.pk]), {"decision": "accept", "reason": ""}
    )
    assert response.status_code == status
    if decided:
        assert response["Location"] == reverse("delivery:correction", args=[correction.pk])
        assert snapshot(correction) == ("accepted", False, 1, 1)
    else:
        assert snapshot(correction) == before


@pytest.mark.parametrize(
    "role, status",
    [
        ("proposer", 200),
        ("other_worker", 404),
        ("site_manager", 200),
        ("district_staff", 200),
        ("other_site_manager", 404),
    ],
)
def test_who_may_see_a_correction_and_its_photo(
    client, site, rider, manager, other_manager, district_staff, role, status
):
    correction = propose(site, rider)
    users = {
        "proposer": rider,
        "other_worker": UserFactory(),
        "site_manager": manager,
        "district_staff": district_staff,
        "other_site_manager": other_manager,
    }
    client.force_login(users[role])
    assert client.get(reverse("delivery:correction", args=[correction.pk])).status_code == status
    photo = client.get(reverse("delivery:photo", args=[correction.pk]))
    assert photo.status_code == status
    if status == 200:
        assert b"".join(photo.streaming_content)[:3] == b"\xff\xd8\xff"


def test_the_decide_form_is_shown_only_to_reviewers(client, site, rider, manager):
    correction = propose(site, rider)
    client.force_login(rider)
    assert (
        f'action="/delivery/corrections/{correction.pk}/decide/"'
        not in client.get(reverse("delivery:correction", args=[correction.pk])).content.decode()
    )
    client.force_login(manager)
    assert (
        f'action="/delivery/corrections/{correction.pk}/decide/"'
        in client.get(reverse("delivery:correction", args=[correction.pk])).content.decode()
    )


def test_the_action_refuses_a_manager_of_another_site(site, rider, other_manager):
    correction = propose(site, rider)
    with pytest.raises(actions.PermissionDenied) as raised:
        actions.correction_accept(correction_id=correction.pk, acting_user=other_manager)
    assert raised.value.message == NOT_YOUR_SITE
    assert snapshot(correction)[:3] == ("pending", True, 0)


# --- What an accept changes ---------------------------------------------------------------


def test_accepting_closes_the_gate_keeps_history_and_earns_points_once(site, rider, district_staff):
    correction = propose(site, rider)
    actions.correction_accept(correction_id=correction.pk, acting_user=district_staff, note="已核实")
    gate = Gate.objects.get(pk=correction.gate_id)
    assert (gate.is_active, gate.notes) == (False, "北门晚上锁了")
    change = SiteChange.objects.get()
    assert (change.summary, change.before, change.after) == (
        "北门：对骑手关闭（北门晚上锁了）",
        {"name": "北门", "is_active": True},
        {"name": "北门", "is_active": False},
    )
    assert PointAccount.objects.get(user=rider).balance == 5
    entry = PointEntry.objects.get()
    assert (entry.reason, entry.source_id) == ("delivery_correction_accepted", str(correction.pk))
    with pytest.raises(actions.ApplicationError) as raised:
        actions.correction_accept(correction_id=correction.pk, acting_user=district_staff)
    assert raised.value.message == "这条纠错现在是“已采纳”，不能再被采纳。"
    assert PointAccount.objects.get(user=rider).balance == 5
    assert rider.messages.get().subject == "你的地图纠错已被采纳"


def test_an_accepted_new_parking_and_building_number_change_the_map(site, rider, manager):
    parking = propose(site, rider, kind="new_parking", gate=None, text="西侧新划停车区")
    actions.correction_accept(correction_id=parking.pk, acting_user=manager)
    added = Parking.objects.get(site=site, name="西侧新划停车区")
    assert (added.latitude, added.longitude) == (HERE[0] + 0.001, HERE[1])
    building = Building.objects.get(site=site, number="3")
    number = propose(site, rider, kind="building_number", gate=None, building=building, building_number="5幢")
    actions.correction_accept(correction_id=number.pk, acting_user=manager)
    building.refresh_from_db()
    assert building.number == "5"
    note = propose(site, rider, kind="note", gate=None, text="快递柜搬到了东门")
    actions.correction_accept(correction_id=note.pk, acting_user=manager)
    assert SiteNote.objects.filter(site=site, text="快递柜搬到了东门").exists()
    assert list(SiteChange.objects.order_by("id").values_list("summary", flat=True)) == [
        "新的骑手停车点：西侧新划停车区",
        "3幢改为5幢",
        "提示：快递柜搬到了东门",
    ]
    assert PointAccount.objects.get(user=rider).balance == 15


def test_a_number_another_building_has_is_refused_at_accept_and_nothing_changes(site, rider, manager):
    building = Building.objects.get(site=site, number="3")
    correction = propose(
        site, rider, kind="building_number", gate=None, building=building, building_number="4"
    )
    with pytest.raises(actions.ApplicationError) as raised:
        actions.correction_accept(correction_id=correction.pk, acting_user=manager)
    assert raised.value.message == "这个小区已经有4幢了。"
    correction.refresh_from_db()
    building.refresh_from_db()
    assert (correction.status, building.number, SiteChange.objects.count(), PointEntry.objects.count()) == (
        "pending",
        "3",
        0,
        0,
    )


def test_rejecting_needs_a_reason_the_rider_reads(client, site, rider, manager):
    correction = propose(site, rider)
    client.force_login(manager)
    response = client.post(
        reverse("delivery:decide", args=[correction.pk]), {"decision": "reject", "reason": " "}
    )
    assert response.status_code == 400
    assert "请填写理由，骑手会看到。" in response.content.decode()
    assert snapshot(correction) == ("pending", True, 0, 0)
    response = client.post(
        reverse("delivery:decide", args=[correction.pk]), {"decision": "reject", "reason": "北门已重新开放"}
    )
    assert response.status_code == 302
    correction.refresh_from_db()
    assert (correction.status, correction.reason, correction.decided_by) == (
        "rejected",
        "北门已重新开放",
        manager,
    )
    assert rider.messages.get().body == "你对紫金港花园的纠错未被采纳：北门已重新开放"
    assert PointEntry.objects.count() == 0


def test_the_site_page_shows_what_changed(client, site, rider, manager):
    actions.correction_accept(correction_id=propose(site, rider).pk, acting_user=manager)
    body = client.get(reverse("delivery:site", args=[site.uuid])).content.decode()
    assert "北门：对骑手关闭（北门晚上锁了）" in body


def test_my_corrections_and_the_review_list(client, site, rider, manager, django_assert_num_queries):
    for _ in range(3):
        propose(site, rider)
    client.force_login(manager)
    # session, user, the manager's permission check, the reviewable corrections, the own ones, inbox count.
    response = client.get(reverse("delivery:corrections"))
    assert len(response.context["review"]) == 3
    assert response.context["corrections"] == []
    client.force_login(rider)
    response = client.get(reverse("delivery:corrections"))
    assert (len(response.context["corrections"]), response.context["review"]) == (3, [])
