"""Recordings of 随口说 checked by their content, with PyAV (FFmpeg's demuxers and decoders).

A phone's MediaRecorder makes webm/opus (Chrome, Android) or mp4/aac (Safari, iOS); neither the
file name nor the browser's content type is trusted. The container is parsed, a recording with a
video track is refused, the one audio stream must be opus, aac or vorbis, and every frame is
decoded: that measures the duration (a MediaRecorder webm has no duration in its header) and
finds silence (a muted or broken microphone). Decoding stops as soon as the recording is longer
than allowed, and the byte cap bounds the work before anything is parsed.

The file is stored as recorded (private storage, core.files), played only through a checked view.
"""

import io
from array import array
from dataclasses import dataclass

import av
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

MAX_AUDIO_BYTES = 3 * 1024 * 1024  # 60 s of aac at 192 kbit/s is 1.4 MB; opus is less
MAX_SECONDS = 60
# Peak below this (of 32767, about -50 dBFS) everywhere: nothing was heard.
SILENCE_PEAK = 100
CODECS = {"opus", "aac", "vorbis"}
EXTENSIONS = {"matroska,webm": "webm", "mov,mp4,m4a,3gp,3g2,mj2": "m4a", "ogg": "ogg"}

AUDIO_EMPTY = _("The recording is empty. Please record again.")
AUDIO_TOO_LARGE = _("The recording is larger than 3 MB. Please record at most one minute, or type instead.")
NOT_AUDIO = _(
    "This file is not a recording we can play. Please record again with the button, or type instead."
)
AUDIO_HAS_VIDEO = _("This recording contains video. Please record sound only, with the button.")
AUDIO_TOO_LONG = _("The recording is longer than 60 seconds. Please keep it to one minute, or type instead.")
AUDIO_SILENT = _(
    "We could not hear anything in the recording. Please check the microphone and record again, or type instead."
)


@dataclass(frozen=True)
class CleanAudio:
    content: ContentFile
    seconds: int
    extension: str


def clean_audio(upload) -> CleanAudio:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_AUDIO_BYTES:
        raise ValidationError(AUDIO_TOO_LARGE, code="too_large")
    chunks, total = [], 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > MAX_AUDIO_BYTES:
            raise ValidationError(AUDIO_TOO_LARGE, code="too_large")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise ValidationError(AUDIO_EMPTY, code="empty")
    try:
        seconds, container = _measure(data)
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, IndexError) as error:
        raise ValidationError(NOT_AUDIO, code="not_audio") from error
    return CleanAudio(
        content=ContentFile(data), seconds=max(1, round(seconds)), extension=EXTENSIONS[container]
    )


def _measure(data: bytes) -> tuple[float, str]:
    """(seconds, container name); ValidationError for anything but one short, audible recording."""
    with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
        if container.format.name not in EXTENSIONS:
            raise ValidationError(NOT_AUDIO, code="not_audio")
        if container.streams.video:
            raise ValidationError(AUDIO_HAS_VIDEO, code="video")
        if len(container.streams.audio) != 1 or container.streams.audio[0].codec_context.name not in CODECS:
            raise ValidationError(NOT_AUDIO, code="not_audio")
        stream = container.streams.audio[0]
        # Mono 16-bit at 8 kHz is enough to hear whether anyone spoke, and cheap to scan.
        resampler = av.AudioResampler(format="s16", layout="mono", rate=8000)
        samples, peak = 0, 0
        for frame in container.decode(stream):
            samples += frame.samples
            if samples / (frame.sample_rate or 1) > MAX_SECONDS + 0.5:
                raise ValidationError(AUDIO_TOO_LONG, code="too_long")
            if peak < SILENCE_PEAK:
                for mono in resampler.resample(frame):
                    values = array("h", bytes(mono.planes[0])[: mono.samples * 2])
                    if values:
                        peak = max(peak, max(values), -min(values))
            rate = frame.sample_rate
        if samples == 0:
            raise ValidationError(NOT_AUDIO, code="not_audio")
        if peak < SILENCE_PEAK:
            raise ValidationError(AUDIO_SILENT, code="silent")
        return samples / rate, container.format.name
