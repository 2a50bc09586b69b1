import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Message
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def inbox_message(user, subject: str, *, read: bool = False, link: str = "") -> Message:
    return Message.objects.create(
        recipient=user,
        channel=Message.Channel.INBOX,
        kind="test",
        subject=subject,
        body=f"{subject}的内容",
        link=link,
        status=Message.Status.SENT,
        sent_at=timezone.now(),
        read_at=timezone.now() if read else None,
    )


def test_inbox_lists_own_messages_with_unread_count_in_the_header(client):
    user = UserFactory()
    inbox_message(user, "报名已提交")
    inbox_message(user, "资料已保存", read=True)
    inbox_message(UserFactory(), "别人的消息")
    Message.objects.create(
        recipient=user, channel=Message.Channel.INBOX, kind="t", subject="尚未投递", body="x"
    )
    client.force_login(user)
    html = client.get(reverse("inbox")).content.decode()
    assert "报名已提交" in html and "资料已保存" in html
    assert "别人的消息" not in html and "尚未投递" not in html
    assert 'aria-label="1 条未读消息">1</span>' in html


def test_inbox_query_count_does_not_grow_with_messages(client, django_assert_num_queries):
    user = UserFactory()
    for number in range(30):
        inbox_message(user, f"消息{number}")
    client.force_login(user)
    # 1 session, 2 user, 3 counts (with the header's unread count), 4 page count, 5 page rows
    with django_assert_num_queries(5):
        response = client.get(reverse("inbox"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 20
    # Then the list comes from the cache until the counts change (core.fragments).
    with django_assert_num_queries(3):
        assert client.get(reverse("inbox")).content.decode().count('class="inbox-item unread"') == 20


def test_opening_a_message_marks_it_read_and_follows_a_local_link(client):
    user = UserFactory()
    message = inbox_message(user, "去看看", link="/me/")
    client.force_login(user)
    response = client.post(reverse("inbox_open", args=[message.pk]))
    assert (response.status_code, response["Location"]) == (302, "/me/")
    message.refresh_from_db()
    assert message.read_at is not None


def test_a_link_to_another_site_is_not_followed(client):
    user = UserFactory()
    message = inbox_message(user, "外链", link="https://evil.example/")
    client.force_login(user)
    response = client.post(reverse("inbox_open", args=[message.pk]))
    assert response["Location"] == reverse("inbox")


def test_someone_elses_message_is_404_and_stays_unread(client):
    message = inbox_message(UserFactory(), "别人的")
    client.force_login(UserFactory())
    assert client.post(reverse("inbox_open", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_mark_all_read(client):
    user = UserFactory()
    first, second = inbox_message(user, "一"), inbox_message(user, "二")
    client.force_login(user)
    client.post(reverse("inbox_mark_all_read"))
    assert Message.objects.filter(pk__in=[first.pk, second.pk], read_at__isnull=True).count() == 0


def test_inbox_needs_login_and_get_cannot_change_anything(client):
    assert client.get(reverse("inbox")).status_code == 302
    user = UserFactory()
    message = inbox_message(user, "一")
    client.force_login(user)
    assert client.get(reverse("inbox_open", args=[message.pk])).status_code == 405
    message.refresh_from_db()
    assert message.read_at is None
