"""随口说 by voice: recordings checked by content (voice.audio), stored privately, heard only by the
member and allowed staff, deleted after the retention period."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.governance.factories import image_bytes
from tests.voice.recordings import recording
from voice import actions
from voice.audio import MAX_AUDIO_BYTES, clean_audio
from voice.models import Opinion

pytestmark = pytest.mark.django_db

TOO_LONG = "录音超过60秒。请控制在一分钟内，或改为打字。"
SILENT = "录音里听不到声音。请检查麦克风后重新录音，或改为打字。"
NOT_AUDIO = "这个文件不是可以播放的录音。请用按钮重新录音，或改为打字。"
VIDEO = "这段录音里有视频。请用按钮只录声音。"
TOO_LARGE = "录音超过3MB。请最多录一分钟，或改为打字。"
EMPTY = "录音是空的，请重新录音。"


def upload(data: bytes, name: str = "recording.webm", content_type: str = "audio/webm"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal(data: bytes, name: str = "recording.webm") -> str:
    with pytest.raises(ValidationError) as refused:
        clean_audio(upload(data, name))
    return refused.value.messages[0]


@pytest.mark.parametrize("container", ["webm", "mp4"])
def test_a_phone_recording_is_measured(container):
    clean = clean_audio(upload(recording(4.0, container=container)))
    assert clean.seconds == 4
    assert clean.extension == {"webm": "webm", "mp4": "m4a"}[container]


def test_a_ten_minute_recording_is_refused_as_too_long():
    assert refusal(recording(600, bit_rate=6000)) == TOO_LONG


def test_silence_is_refused():
    assert refusal(recording(3, silent=True)) == SILENT


def test_a_file_that_is_not_audio_is_refused_whatever_its_name():
    assert refusal(image_bytes(), name="recording.webm") == NOT_AUDIO
    assert refusal(b"RIFF....WAVEfmt garbage" * 10) == NOT_AUDIO


def test_a_recording_with_a_video_track_is_refused():
    assert refusal(recording(2, container="mp4", video=True), name="clip.mp4") == VIDEO


def test_an_empty_or_too_large_file_is_refused_before_parsing():
    assert refusal(b"") == EMPTY
    assert refusal(b"\x1a\x45\xdf\xa3" + bytes(MAX_AUDIO_BYTES)) == TOO_LARGE


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def send(client, data: bytes, **fields):
    form = {"audio": upload(data), "text": "", "topic": "traffic", "client_uuid": str(uuid.uuid4()), **fields}
    return client.post(reverse("voice:opinion_new"), form, HTTP_ACCEPT="application/json")


def test_a_recording_is_sent_once_even_when_retried(member_client, member):
    key = str(uuid.uuid4())
    first = send(member_client, recording(3), client_uuid=key)
    again = send(member_client, recording(3), client_uuid=key)
    opinion = Opinion.objects.get()
    assert (first.status_code, again.status_code) == (201, 200)
    assert (opinion.worker, opinion.text, opinion.audio_seconds) == (member, "", 3)
    assert opinion.audio.name.startswith("voice/audio/") and opinion.audio.name.endswith(".webm")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (recording(3, silent=True), SILENT),
        (recording(600, bit_rate=6000), TOO_LONG),
        (b"not audio at all", NOT_AUDIO),
    ],
    ids=["silence", "ten-minutes", "not-audio"],
)
def test_a_bad_recording_is_refused_and_the_typed_text_kept(member_client, data, message):
    response = member_client.post(
        reverse("voice:opinion_new"), {"audio": upload(data), "text": "东门没有停车位"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"audio": [message]}
    assert "东门没有停车位" in response.content.decode()
    assert not Opinion.objects.exists()


def test_the_recording_is_heard_only_by_the_member_and_staff_allowed(
    client, member, other_member, grid_admin, checker
):
    opinion, _ = actions.opinion_submit(worker=member, text="", audio=clean_audio(upload(recording(2))))
    url = reverse("voice:opinion_audio", args=[opinion.pk])
    for user, status in ((member, 200), (grid_admin, 200), (other_member, 404), (checker, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status
    client.logout()
    assert client.get(url).status_code == 404


def test_staff_hear_it_in_admin(client, member, grid_admin):
    opinion, _ = actions.opinion_submit(worker=member, text="", audio=clean_audio(upload(recording(2))))
    client.force_login(grid_admin)
    page = client.get(reverse("admin:voice_opinion_change", args=[opinion.pk])).content.decode()
    assert (
        f'<audio controls preload="none" src="/grid/voice/say/{opinion.pk}/recording/"></audio> 2 秒' in page
    )


def test_old_recordings_are_deleted_and_the_summary_stays(
    settings, member, grid_admin, django_capture_on_commit_callbacks
):
    settings.VOICE_AUDIO_RETENTION_DAYS = 30
    old, _ = actions.opinion_submit(worker=member, text="", audio=clean_audio(upload(recording(2))))
    new, _ = actions.opinion_submit(worker=member, text="", audio=clean_audio(upload(recording(2))))
    actions.opinion_route(opinion_id=old.pk, acting_user=grid_admin, summary="缺停车位", department="城管科")
    Opinion.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    name, storage = old.audio.name, old.audio.storage
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.opinions_delete_old_audio() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.audio.name, old.audio_seconds, old.summary) == ("", 2, "缺停车位")
    assert old.audio_deleted_at is not None
    assert new.audio
    assert actions.opinions_delete_old_audio() == 0
    assert not storage.exists(name)
    assert new.audio.storage.exists(new.audio.name)
