"""Redis down or frozen: pages and APIs keep working or answer 503 with Retry-After; nothing hangs.

A private redis-server is started for each test (tests/notifications/test_outbox.py's
PrivateRedis) and serves as the cache (rate limits) and the broker, then is stopped
or frozen with SIGSTOP, exactly as an outage looks to the web process.
"""

import os
import signal
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from academy.models import Enrolment
from accounts.models import User
from config.celery import app as celery_app
from core.outage import RETRY_AFTER_SECONDS
from events import codes
from events.models import CheckIn
from notifications.actions import outbox_sweep
from notifications.models import Message
from services.models import ServiceRequest
from tests.events.factories import RegistrationFactory, StationFactory, ongoing_event
from tests.factories import UserFactory
from tests.notifications.test_outbox import PrivateRedis, use_broker, wait_until
from tests.partner_api import factories as api_factories

UNAVAILABLE_ZH = "服务暂时不可用，请一分钟后再试。"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def private_redis(tmp_path, settings):
    """A Redis of this test's own as cache (database 0) and broker (database 1)."""
    original_broker = celery_app.conf.broker_url
    server = PrivateRedis(tmp_path)
    server.start()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    settings.REDIS_URL = server.url
    use_broker(server.url.rsplit("/", 1)[0] + "/1")
    yield server
    if server.process and server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGCONT)
    server.stop()
    use_broker(original_broker)


@pytest.fixture
def partner():
    uni = api_factories.university("ZJOU", "浙江开放大学")
    client = api_factories.api_client(uni, client_id="uni-a")
    api_factories.enrolment(uni)
    return {"HTTP_AUTHORIZATION": "Bearer " + api_factories.token_for(client.application, "roster:read")}


def unavailable_json(response) -> dict:
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    return response.json()


def test_with_redis_stopped_each_page_family_answers_in_its_own_shape(private_redis, client, partner):
    worker = UserFactory()
    event = ongoing_event(station=StationFactory(), title="外卖骑手技能竞赛")
    RegistrationFactory(event=event, user=worker)
    private_redis.stop()

    # Pages that need no Redis keep working.
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("services:index")).status_code == 200
    assert client.get("/open311/v2/services.json").status_code == 200

    # The partner API counts requests in Redis (its throttle): 503 in its own shape.
    started = time.monotonic()
    response = client.get("/api/v1/enrolments/", **partner)
    assert time.monotonic() - started < 5
    assert unavailable_json(response) == {"message": UNAVAILABLE_ZH, "extra": {}}
    response = client.get("/ims/oneroster/rostering/v1p2/users", **partner)
    assert unavailable_json(response) == {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": UNAVAILABLE_ZH,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": "server_busy"}
            ]
        },
    }

    # SMS fails closed: the code's limits are counted in Redis, so no code is sent.
    UserFactory(phone="+8613800000123")
    response = client.post(reverse("account_request_login_code"), {"phone": "13800000123"})
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert UNAVAILABLE_ZH in page and "你提交的内容没有保存，也没有发送短信。" in page
    assert not Message.objects.exists()
    # A sign-up neither sends its code nor keeps the account it would verify.
    users_before = set(User.objects.values_list("pk", flat=True))
    response = client.post(reverse("account_signup"), {"phone": "13800000124"})
    assert response.status_code == 503
    page = response.content.decode()
    assert UNAVAILABLE_ZH in page and "你提交的内容没有保存，也没有发送短信。" in page
    assert set(User.objects.values_list("pk", flat=True)) == users_before
    assert not Message.objects.exists()

    # Event check-in counts wrong codes in Redis.
    client.force_login(worker)
    response = client.post(reverse("events:checkin", args=[event.pk]), {"code": codes.checkin_code(event.pk)})
    assert response.status_code == 503
    assert UNAVAILABLE_ZH in response.content.decode()
    assert not CheckIn.objects.exists()

    # The health check says which part is down.
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == {"status": "fail", "detail": "ConnectionError"}


def test_a_frozen_redis_costs_a_second_not_a_hung_request(private_redis, client, partner):
    os.kill(private_redis.process.pid, signal.SIGSTOP)  # accepts connections, never answers
    started = time.monotonic()
    response = client.get("/api/v1/enrolments/", **partner)
    elapsed = time.monotonic() - started
    assert unavailable_json(response) == {"message": UNAVAILABLE_ZH, "extra": {}}
    assert elapsed < 5, elapsed
    os.kill(private_redis.process.pid, signal.SIGCONT)
    assert client.get("/api/v1/enrolments/", **partner).status_code == 200
    assert Enrolment.objects.count() == 1


def test_messages_written_during_the_outage_are_delivered_once_when_redis_returns(
    private_redis, client, settings, sms_outbox
):
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
    worker = UserFactory()
    client.force_login(worker)
    private_redis.stop()

    # Asking for help needs no Redis: it is saved, and its inbox message waits in the outbox.
    started = time.monotonic()
    response = client.post(
        reverse("services:request_new"),
        {"kind": "legal", "description": "站点两个月没发工资了，想咨询怎么讨薪。", "contact_time": "evening"},
    )
    assert response.status_code == 302
    assert time.monotonic() - started < 3  # the broker is not waited for: the sweep delivers later
    (request,) = ServiceRequest.objects.all()
    pending = list(Message.objects.filter(recipient=worker).values_list("pk", "status"))
    assert pending and {status for _, status in pending} == {Message.Status.PENDING}

    private_redis.start()
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10
    ):
        assert outbox_sweep() == len(pending)
        assert wait_until(
            lambda: (
                set(Message.objects.filter(recipient=worker).values_list("status", flat=True))
                == {Message.Status.SENT}
            )
        )
        assert outbox_sweep() == 0
        time.sleep(0.5)
    assert list(Message.objects.filter(recipient=worker).values_list("attempts", flat=True)) == [1] * len(
        pending
    )
    assert request.status == ServiceRequest.Status.NEW
