"""Long, small audio files for the limit tests, made in a second: ten seconds are encoded once with PyAV
and their packets written again and again (no re-encoding), so an hour of low-bitrate AAC costs a few MB."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def _encoded_packets(rate: int, channels: int, bitrate: int, seconds: float = 10.0) -> tuple[list, int]:
    """(packets of ``seconds`` of speech-like noise encoded as AAC, samples per packet)."""
    rng = np.random.default_rng(0)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    voice = 0.3 * np.sin(2 * np.pi * 180 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
    samples = (voice + 0.05 * rng.standard_normal(n)).astype(np.float32)
    planar = np.repeat(samples[None, :], channels, axis=0)
    codec = av.CodecContext.create("aac", "w")
    codec.sample_rate, codec.bit_rate = rate, bitrate
    codec.layout = "mono" if channels == 1 else "stereo"
    codec.format = "fltp"
    codec.time_base = Fraction(1, rate)
    packets = []
    step = 1024
    for start in range(0, n - step + 1, step):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(planar[:, start : start + step]), format="fltp",
                                           layout=codec.layout.name)  # fmt: skip
        frame.sample_rate, frame.pts = rate, start
        packets += [bytes(p) for p in codec.encode(frame)]
    packets += [bytes(p) for p in codec.encode(None)]
    return packets, step


def long_aac(path: Path, seconds: float, rate: int = 16_000, channels: int = 1, bitrate: int = 8_000,
             claim_seconds: float | None = None) -> Path:  # fmt: skip
    """Write ``seconds`` of AAC into ``path`` (.m4a: MP4 container; .aac: raw ADTS, which carries no length).

    ``claim_seconds``: for .m4a, rewrite the container's length fields (mvhd, mdhd) to say this instead: a
    file that lies about its duration."""
    packets, step = _encoded_packets(rate, channels, bitrate)
    need = int(np.ceil(seconds * rate / step))
    fmt = "adts" if Path(path).suffix == ".aac" else "mp4"
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream("aac", rate=rate, layout="mono" if channels == 1 else "stereo")
        stream.bit_rate = bitrate
        # the encoder's extradata (AudioSpecificConfig), so the muxer can describe the stream without encoding
        probe = av.CodecContext.create("aac", "w")
        probe.sample_rate, probe.bit_rate, probe.layout, probe.format = rate, bitrate, stream.layout, "fltp"
        probe.open()
        stream.codec_context.extradata = probe.extradata
        for i in range(need):
            pkt = av.Packet(packets[i % len(packets)])
            pkt.pts = pkt.dts = i * step
            pkt.time_base = Fraction(1, rate)
            pkt.stream = stream
            out.mux(pkt)
    if claim_seconds is not None and fmt == "mp4":
        _claim_duration(Path(path), claim_seconds)
    return Path(path)


def _claim_duration(path: Path, seconds: float) -> None:
    """Overwrite the 32-bit duration of the mvhd and mdhd boxes (version 0) with ``seconds``."""
    data = bytearray(path.read_bytes())
    for box in (b"mvhd", b"mdhd"):
        at = data.find(box)
        assert at > 0 and data[at + 4] == 0, f"{box!r} (version 0) not found"
        timescale = int.from_bytes(data[at + 16 : at + 20], "big")
        data[at + 20 : at + 24] = int(seconds * timescale).to_bytes(4, "big")
    path.write_bytes(bytes(data))
