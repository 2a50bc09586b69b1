"""Drawn parts of pages kept in Redis (core.fragments, issue 23): a person's list is theirs alone,
follows every change at once, and each response carries its own CSRF token."""

import re
from unittest import mock

import pytest
import redis
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from core import fragments
from notifications.models import Message
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("inbox")


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def message_for(user, subject: str, *, body: str = "内容") -> Message:
    return Message.objects.create(
        recipient=user, channel=Message.Channel.INBOX, kind="test", subject=subject, body=body,
        status=Message.Status.SENT, sent_at=timezone.now(),
    )  # fmt: skip


def logged_in(user, **options) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def drawn():
    from django.template.loader import render_to_string

    return mock.patch("notifications.views.render_to_string", wraps=render_to_string)


def test_the_same_state_of_two_people_never_shares_a_fragment():
    first, second = UserFactory(), UserFactory()
    state = (0, None, "")
    kept = fragments.own(request_of(first), None, "inbox", state, lambda: fragments.Drawn("甲的"))
    assert kept == "甲的"
    assert fragments.own(request_of(first), None, "inbox", state, lambda: fragments.Drawn("不再画")) == "甲的"
    assert fragments.own(request_of(second), None, "inbox", state, lambda: fragments.Drawn("乙的")) == "乙的"


def test_a_fragment_of_ones_own_needs_someone_logged_in():
    with pytest.raises(ValueError, match="logged-in person"):
        fragments.own(request_of(AnonymousUser()), None, "inbox", (), lambda: fragments.Drawn(""))


def test_no_one_is_shown_another_persons_kept_inbox():
    first, second = UserFactory(), UserFactory()
    message_for(first, "甲的消息")
    message_for(second, "乙的消息")
    first_client, second_client = logged_in(first), logged_in(second)
    for _ in range(2):
        mine, theirs = first_client.get(INBOX).content.decode(), second_client.get(INBOX).content.decode()
        assert "甲的消息" in mine and "乙的消息" not in mine
        assert "乙的消息" in theirs and "甲的消息" not in theirs


def test_a_new_message_a_read_one_and_a_removed_one_show_at_once():
    user = UserFactory()
    first = message_for(user, "第一条")
    client = logged_in(user)
    with drawn() as render:
        assert "第一条" in client.get(INBOX).content.decode()
        assert "第一条" in client.get(INBOX).content.decode()
    assert render.call_count == 1

    message_for(user, "第二条")
    page = client.get(INBOX).content.decode()
    assert "第二条" in page and 'aria-label="2 条未读消息">2</span>' in page

    client.post(reverse("inbox_open", args=[first.pk]))
    page = client.get(INBOX).content.decode()
    assert page.count('class="inbox-item unread"') == 1 and 'aria-label="1 条未读消息">1</span>' in page

    first.delete()
    assert "第一条" not in client.get(INBOX).content.decode()


def test_a_kept_inbox_carries_each_responses_own_token_and_its_forms_work():
    user = UserFactory()
    message = message_for(user, "去看看", body='name="csrfmiddlewaretoken" value="{csrf-token}"')
    client = logged_in(user, enforce_csrf_checks=True)
    first = client.get(INBOX).content.decode()
    second = client.get(INBOX).content.decode()
    tokens = [re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page) for page in (first, second)]
    assert len(tokens[1]) == 3  # the language switch, "mark all as read" and the message's own form
    assert "{csrf-token}" not in "".join(tokens[1])
    assert set(tokens[0]).isdisjoint(tokens[1])  # masked anew for this response
    # The message's text is shown as it was written, escaped, never taken for a token.
    assert "name=&quot;csrfmiddlewaretoken&quot; value=&quot;{csrf-token}&quot;" in second
    response = client.post(reverse("inbox_open", args=[message.pk]), {"csrfmiddlewaretoken": tokens[1][-1]})
    assert (response.status_code, response["Location"]) == (302, INBOX)
    message.refresh_from_db()
    assert message.read_at is not None


def test_with_redis_unreachable_the_inbox_is_drawn():
    class Unreachable:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise redis.exceptions.ConnectionError("Connection refused")

            return fail

    user = UserFactory()
    message_for(user, "第一条")
    client = logged_in(user)
    with mock.patch.object(fragments, "cache", Unreachable()), drawn() as render:
        for _ in range(2):
            assert "第一条" in client.get(INBOX).content.decode()
    assert render.call_count == 2
