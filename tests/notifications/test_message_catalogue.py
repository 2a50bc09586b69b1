"""Every message kind renders itself in the portal's language, whatever language the acting staff reads.

The parametrisation runs over the registry, so a kind added in any app's messages.py is covered
without touching this file.
"""

import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.utils import translation

from notifications import messages
from notifications.actions import notify, sms_code_send
from notifications.models import Message
from services.messages import CLOSED_THANKS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ALL_KINDS = messages.kinds()
SENT_BY_NOTIFY = [kind for kind in ALL_KINDS if kind.via_notify]
LATIN = re.compile(r"[A-Za-z]")
# Bodies that are a param only (staff's own words): nothing to translate.
ALL_PARAMS = {"%(note)s", "%(reply)s"}


def without_params(text: str, kind: messages.Kind) -> str:
    """The text with the example params' own values taken out: what remains is the template's wording."""
    for value in sorted(
        (str(messages._text(value)) for value in kind.example.values()), key=len, reverse=True
    ):
        text = text.replace(value, "")
    return text


def test_every_app_registers_its_kinds():
    prefixes = {kind.key.split("_")[0] for kind in ALL_KINDS}
    assert prefixes == {
        "delivery",
        "enrolment",
        "event",
        "grid",
        "help",
        "opinion",
        "service",
        "sms",
        "station",
        "subsidy",
        "volunteer",
        "voucher",
        "welcome",
    }
    assert len(ALL_KINDS) == 70


@pytest.fixture
def staff_reads_english():
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.mark.parametrize("kind", SENT_BY_NOTIFY, ids=lambda kind: kind.key)
def test_every_kind_reaches_the_worker_in_chinese_while_staff_read_english(kind, staff_reads_english):
    worker = UserFactory()
    inbox, sms = notify(user=worker, kind=kind.key, params=kind.example)
    assert translation.get_language() == "en"  # the acting person's language is left as it was
    assert (inbox.channel, sms.channel, inbox.kind) == ("inbox", "sms", kind.key)
    stored = Message.objects.get(pk=inbox.pk)
    assert (stored.subject, stored.body) == (sms.subject, sms.body)
    for text in (stored.subject, stored.body):
        assert text
        assert "%(" not in text and ")s" not in text
        # No English word is left once the example values are taken out: the wording is the translation.
        assert not LATIN.search(without_params(text, kind)), text
    # Both templates have a Chinese translation (an untranslated msgid would come out as itself).
    for template in (kind.subject, kind.body):
        with translation.override(None):  # no catalogue: the msgid itself
            msgid = str(template)
        with translation.override(settings.LANGUAGE_CODE):
            assert str(template) != msgid or msgid in ALL_PARAMS


@pytest.mark.parametrize(
    "kind", [kind for kind in ALL_KINDS if not kind.via_notify], ids=lambda kind: kind.key
)
def test_the_sms_kinds_have_their_chinese_text_and_are_not_sent_by_notify(kind):
    subject, body = messages.render(kind.key, kind.example, language=settings.LANGUAGE_CODE)
    assert not LATIN.search(without_params(subject, kind) + without_params(body, kind))
    with pytest.raises(ValueError) as error:
        notify(user=UserFactory(), kind=kind.key, params=kind.example)
    assert str(error.value) == f"message kind {kind.key!r} has its own send function"
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "key, params, subject, body",
    [
        (
            "grid_report_accepted",
            {"id": 7, "category": "道路交通隐患"},
            "你的随手报已受理",
            "随手报 #7（道路交通隐患）已受理，将安排处理。",
        ),
        (
            "subsidy_instalment_paid",
            {"amount": "3,000.00", "year": 1, "reference": "PAY-1"},
            "资助分期已拨付",
            "第1学年的¥3,000.00已拨付（付款凭证号：PAY-1）。",
        ),
        (
            "event_cancelled",
            {
                "title": "诗歌分享会",
                "when": datetime(2026, 3, 12, 11, 0, tzinfo=UTC),
                "place": "",
                "reason": "",
            },
            "活动取消：诗歌分享会",
            "原定2026年3月12日 19:00举行的诗歌分享会已取消。",
        ),
        (
            "service_request_closed",
            {"ref": "FW000001", "reply": CLOSED_THANKS},
            "你的诉求 FW000001 已关闭",
            "谢谢。如果还需要帮助，随时找我们。",
        ),
        (
            "welcome",
            {},
            "欢迎来到小哥学院",
            "你的资料已完善。可以浏览专业、申请学费资助，或查找附近的服务点。",
        ),
    ],
)
def test_exact_texts_of_some_kinds(key, params, subject, body, staff_reads_english):
    (message,) = notify(user=UserFactory(), kind=key, params=params, channels=["inbox"])
    assert (message.subject, message.body) == (subject, body)


def test_a_date_param_is_rendered_in_the_readers_format(staff_reads_english):
    kind = messages.get("station_topic_followup_added")
    (message,) = notify(user=UserFactory(), kind=kind.key, params=kind.example, channels=["inbox"])
    assert message.body == "“骑手休息区缺少充电插座”：物业将在2026年4月1日前完成“加装六个充电插座”。"


def test_a_missing_param_raises_instead_of_sending_a_placeholder():
    with pytest.raises(KeyError):
        notify(user=UserFactory(), kind="grid_report_accepted", params={"id": 7})
    assert Message.objects.count() == 0


def test_an_unknown_kind_is_refused():
    with pytest.raises(LookupError) as error:
        notify(user=UserFactory(), kind="no_such_kind")
    assert str(error.value) == "unknown message kind 'no_such_kind': declare it in the app's messages.py"
    assert Message.objects.count() == 0


def test_the_code_sms_keeps_the_requesters_language(staff_reads_english):
    worker = UserFactory()
    message = sms_code_send(user=worker, phone=worker.phone, code="654321")
    assert (message.kind, message.subject) == ("sms_code", "Verification code")
    assert message.body == (
        "[Courier Academy] Your verification code is ******, valid for 5 minutes. Do not share it."
    )
    assert "654321" not in message.secret_body
