import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import Consent, WorkerProfile
from core import crypto
from core.models import AuditEntry
from tests.factories import UserFactory, WorkerProfileFactory, valid_id_number

pytestmark = pytest.mark.django_db

URL = reverse("profile_edit")
MONTHS_RANGE = "请填写你在这一行业工作了多少个月：0至720之间的整数。"
ID_NUMBER = valid_id_number("330106", "19950312", "123")


def form_data(**overrides) -> dict:
    data = {
        "real_name": "赵小明",
        "occupation": "food_delivery",
        "platform": "美团",
        "street": "xixi",
        "months_in_trade": "18",
        "education": "senior_high",
        "id_number": ID_NUMBER,
        "sensitive_data_consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def worker(client):
    user = UserFactory(real_name="")
    client.force_login(user)
    return user


def test_profile_is_saved_with_the_id_number_encrypted_and_masked(client, worker):
    response = client.post(URL, form_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("me")
    profile = WorkerProfile.objects.get(user=worker)
    assert profile.id_number_masked == "330106********" + ID_NUMBER[14:]
    assert ID_NUMBER not in profile.id_number_encrypted
    assert profile.id_number() == ID_NUMBER
    assert profile.id_number_hash == crypto.lookup_hash(ID_NUMBER)
    assert str(profile.birth_date) == "1995-03-12"
    assert profile.sex == "male"
    assert profile.is_complete
    consent = Consent.objects.get(user=worker)
    assert (consent.purpose, consent.notice_version) == (
        "sensitive_data",
        settings.SENSITIVE_DATA_NOTICE_VERSION,
    )
    assert AuditEntry.objects.filter(action="profile.save", target_id=str(profile.pk)).count() == 1
    page = client.get(reverse("me")).content.decode()
    assert profile.id_number_masked in page
    assert ID_NUMBER not in page


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        (
            {"id_number": ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")},
            "id_number",
            "身份证号码校验位不正确，请核对最后一位（可能是数字或X）。",
        ),
        ({"id_number": "12345"}, "id_number", "身份证号码应为18位：前17位是数字，最后一位是数字或X。"),
        (
            {"id_number": valid_id_number("330106", "19950230", "123")},
            "id_number",
            "身份证号码中的出生日期（第7至14位）不是有效日期，请核对。",
        ),
        (
            {"sensitive_data_consent": None},
            "sensitive_data_consent",
            "保存身份证号码需要你单独同意，请勾选下面的方框。",
        ),
        ({"real_name": "王"}, "real_name", "请填写与身份证一致的真实姓名（2至30个字）。"),
        ({"months_in_trade": "-3"}, "months_in_trade", MONTHS_RANGE),
        ({"months_in_trade": "abc"}, "months_in_trade", MONTHS_RANGE),
        ({"months_in_trade": "721"}, "months_in_trade", MONTHS_RANGE),
        ({"occupation": "pilot"}, "occupation", "“pilot”不在可选项中，请从列表中选择。"),
        ({"platform": ""}, "platform", "该字段是必填项。"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_typed_is_lost(
    client, worker, overrides, field, message
):
    data = form_data(**overrides)
    response = client.post(URL, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {field: [message]}
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}_error"' in html or field == "occupation"
    for name in ("real_name", "platform"):
        if data.get(name):
            assert f'value="{data[name]}"' in html
    assert 'value="18"' in html or field == "months_in_trade"
    assert not WorkerProfile.objects.filter(user=worker).exists()
    assert not Consent.objects.filter(user=worker).exists() or field != "sensitive_data_consent"


def test_an_id_number_used_by_another_account_is_refused(client, worker):
    WorkerProfileFactory(id_number=ID_NUMBER)
    response = client.post(URL, form_data())
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "id_number": [
            "该身份证号码已关联其他账号。如果是你本人的号码，请带上身份证到任一小哥驿站，"
            "或致电服务台（12345），工作人员会和你一起核实。"
        ]
    }
    assert not WorkerProfile.objects.filter(user=worker).exists()


def test_editing_keeps_the_id_number_when_left_empty(client):
    profile = WorkerProfileFactory(id_number=ID_NUMBER)
    client.force_login(profile.user)
    page = client.get(URL).content.decode()
    assert profile.id_number_masked in page
    assert ID_NUMBER not in page
    response = client.post(URL, form_data(id_number="", sensitive_data_consent=None, platform="饿了么"))
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.platform, profile.id_number()) == ("饿了么", ID_NUMBER)


def test_profile_pages_need_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_request_login_code"))


def test_admin_shows_only_the_masked_number_and_finds_it_by_hash(client):
    profile = WorkerProfileFactory(id_number=ID_NUMBER)
    WorkerProfileFactory()
    # Staff who may view profiles but hold no permission for full ID numbers (core.privacy).
    admin = UserFactory(is_staff=True)
    admin.user_permissions.set(Permission.objects.filter(codename="view_workerprofile"))
    client.force_login(admin)
    listing = client.get(reverse("admin:accounts_workerprofile_changelist")).content.decode()
    assert profile.id_number_masked in listing
    # A full number finds nobody for them: searching would confirm guesses of the eight masked
    # digits (a birth date) one by one.
    searched = client.get(reverse("admin:accounts_workerprofile_changelist"), {"q": ID_NUMBER})
    assert list(searched.context["cl"].queryset) == []
    # Staff who may read full numbers find the person by the keyed hash.
    admin.user_permissions.add(Permission.objects.get(codename="see_full_id_number"))
    listing = client.get(
        reverse("admin:accounts_workerprofile_changelist"), {"q": ID_NUMBER}
    ).content.decode()
    assert (
        listing.count('class="field-id_number_masked"') + listing.count('class="field-full_id_number"') == 1
    )
    admin.user_permissions.remove(Permission.objects.get(codename="see_full_id_number"))
    detail = client.get(reverse("admin:accounts_workerprofile_change", args=[profile.pk])).content.decode()
    assert profile.id_number_masked in detail
    assert ID_NUMBER not in detail
    assert profile.id_number_encrypted not in detail
