"""Recordings made here with PyAV, as a phone's MediaRecorder makes them: webm/opus and mp4/aac."""

import io
import math
from array import array

import av


def recording(
    seconds: float = 3.0,
    *,
    container: str = "webm",
    silent: bool = False,
    video: bool = False,
    bit_rate: int | None = None,
) -> bytes:
    codec, rate, fmt = {"webm": ("libopus", 48000, "s16"), "mp4": ("aac", 44100, "fltp")}[container]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        if video:
            picture = out.add_stream("mpeg4" if container == "mp4" else "libvpx", rate=5)
            picture.width, picture.height, picture.pix_fmt = 16, 16, "yuv420p"
        stream = out.add_stream(codec, rate=rate, layout="mono")
        if bit_rate:
            stream.bit_rate = bit_rate
        frame_size, done, pts = 960, 0, 0
        total = int(seconds * rate)
        while done < total:
            count = min(frame_size, total - done)
            frame = av.AudioFrame(format=fmt, layout="mono", samples=count)
            tone = [
                0.0 if silent else 0.4 * math.sin(2 * math.pi * 440 * (done + i) / rate) for i in range(count)
            ]
            if fmt == "s16":
                data = array("h", (int(value * 32767) for value in tone)).tobytes()
            else:
                data = array("f", tone).tobytes()
            frame.planes[0].update(data + bytes(frame.planes[0].buffer_size - len(data)))
            frame.sample_rate, frame.pts = rate, pts
            pts += count
            done += count
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
        if video:
            image = av.VideoFrame(16, 16, "yuv420p")
            for packet in picture.encode(image):
                out.mux(packet)
            for packet in picture.encode(None):
                out.mux(packet)
    return buffer.getvalue()
