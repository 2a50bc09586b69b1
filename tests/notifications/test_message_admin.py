"""The message admin is the support role's; personal message texts are hidden from everyone else.

Issue 13, finding 1 (and least privilege): every staff group could read every message there,
subsidy decisions with their amounts and SMS codes included.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.urls import reverse

from accounts import roles
from notifications.actions import notify
from notifications.models import Message
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_message_changelist")
SUBJECT = "学费资助已批准"
BODY = "你的¥8,000.00学费资助已批准。每学年的学分登记后，就拨付当年的那一期。"
HIDDEN = "（已隐藏：只有客服可以阅读个人消息）"
OTHER_GROUPS = [roles.CHECKER, roles.APPROVER, roles.SERVICE_STAFF, roles.GRID_ADMIN, roles.STATION_STAFF]
WHO = ["anonymous", "worker", *OTHER_GROUPS, "staff_with_view_message_only", "support", "superuser"]


def person(who: str):
    if who == "anonymous":
        return None
    if who == "worker":
        return UserFactory()
    if who == "superuser":
        return UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory(is_staff=True)
    if who == "staff_with_view_message_only":
        user.user_permissions.add(Permission.objects.get(codename="view_message"))
    else:
        user.groups.add(Group.objects.get(name=roles.SUPPORT if who == "support" else who))
    return user


@pytest.fixture
def decision():
    worker = UserFactory(real_name="李娜")
    with transaction.atomic():
        notify(
            user=worker,
            kind="subsidy_approved",
            params={"amount": "8,000.00"},
            channels=[Message.Channel.INBOX, Message.Channel.SMS],
        )
    return Message.objects.get(channel=Message.Channel.INBOX)


# who -> (status of the list and the change page, sees the text, may resend)
EXPECTED = {
    "anonymous": (302, False, False),
    "worker": (302, False, False),
    **{group: (403, False, False) for group in OTHER_GROUPS},
    "staff_with_view_message_only": (200, False, False),
    "support": (200, True, True),
    "superuser": (200, True, True),
}


@pytest.mark.parametrize("who", WHO)
def test_who_reads_personal_messages(client, decision, who, monkeypatch):
    enqueued = []
    monkeypatch.setattr("notifications.admin.enqueue_by_channel", enqueued.extend)
    user = person(who)
    if user is not None:
        client.force_login(user)
    before = list(Message.objects.order_by("id").values())
    listing = client.get(CHANGELIST)
    detail = client.get(reverse("admin:notifications_message_change", args=[decision.pk]))
    status, sees_text, may_resend = EXPECTED[who]
    assert (listing.status_code, detail.status_code) == (status, status)
    if status == 302:
        assert listing["Location"].startswith(reverse("admin:login"))
    listing_html, detail_html = listing.content.decode(), detail.content.decode()
    assert (BODY in detail_html) is sees_text
    assert "¥8,000.00" not in listing_html
    assert ("¥8,000.00" in detail_html) is sees_text
    assert (HIDDEN in detail_html) is (status == 200 and not sees_text)
    assert (SUBJECT in listing_html) is (status == 200)
    assert ('value="resend"' in listing_html) is may_resend
    # A resend by somebody who may not (a forged POST) enqueues nothing.
    client.post(CHANGELIST, {"action": "resend", "_selected_action": [decision.pk]})
    assert enqueued == ([(decision.pk, decision.channel, decision.kind)] if may_resend else [])
    assert list(Message.objects.order_by("id").values()) == before


def test_only_the_support_role_holds_message_permissions():
    for name in OTHER_GROUPS:
        codenames = set(
            Group.objects.get(name=name)
            .permissions.filter(content_type__app_label="notifications")
            .values_list("codename", flat=True)
        )
        assert codenames == set(), name
    support = Group.objects.get(name=roles.SUPPORT)
    assert set(support.permissions.values_list("codename", flat=True)) == {
        "view_message",
        "change_message",
        "view_message_body",
        "see_phone_number",  # finds a caller's messages by the number they give
    }


def test_support_finds_a_persons_messages_by_the_number_as_typed(client, decision):
    support = person("support")
    client.force_login(support)
    number = decision.recipient.phone_display  # "137 0000 0001"
    listing = client.get(CHANGELIST, {"q": number})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2
    assert client.get(CHANGELIST, {"q": "13999999999"}).context["cl"].result_count == 0
