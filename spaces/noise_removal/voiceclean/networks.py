"""Load DeepFilterNet3's three networks into ONNX Runtime, from the sha256-verified archive.

The graphs (``enc``, ``erb_dec``, ``df_dec``) accept any number of frames. They are rewired in memory
so that each GRU's initial state is an input and its per-step states an output, and so that the
first convolutions' zero padding in time can be replaced by real earlier frames: a long file can then
run in chunks and still give the one-call result. Nothing is downloaded or written to disk; the
sessions are created once per process and their ``run`` is thread-safe.
"""

from __future__ import annotations

import configparser
import logging
import tarfile
from dataclasses import dataclass

import numpy as np

from shared.device import ort_provider_of, ort_providers
from shared.model_source import models

from .model_spec import model_path
from .resample import HOP, MODEL_RATE

log = logging.getLogger(__name__)

FFT = 960
NB_ERB = 32
NB_DF = 96
DF_ORDER = 5
FREQS = FFT // 2 + 1
HIDDEN = 256  # GRU width in all three networks
# Frames of causal context of each network's first convolution (its zero padding in time):
TIME_PAD = {"enc": 2, "erb_dec": 0, "df_dec": 4}
CACHE_KEY = "noise_removal/dfn3-ort"


@dataclass
class Net:
    """One ONNX Runtime session and its GRU state names [(initial state input, per-step output)]."""

    session: object
    states: list[tuple[str, str]]
    pad: int = 0  # the exported graph's own time padding (frames of zeros before the input)

    def run(self, outputs: list[str], feeds: dict, h0: list[np.ndarray], pad: int | None = None) -> tuple[list, list]:
        """Run from GRU states h0, with ``pad`` zero frames before the input (None: the graph's
        own causal padding); returns the named outputs and, per GRU, its state after every step."""
        feeds = dict(feeds)
        if "pads" in {i.name for i in self.session.get_inputs()}:
            feeds["pads"] = np.array([0, 0, self.pad if pad is None else pad, 0, 0, 0, 0, 0], np.int64)
        for (name, _), h in zip(self.states, h0, strict=True):
            feeds[name] = h.reshape(1, 1, HIDDEN).astype(np.float32, copy=False)
        got = self.session.run(outputs + [y for _, y in self.states], feeds)
        return got[: len(outputs)], [y.reshape(-1, HIDDEN) for y in got[len(outputs) :]]


@dataclass
class OrtModel:
    enc: Net
    erb_dec: Net
    df_dec: Net
    alpha: float
    erb_widths: np.ndarray
    provider: str = "CPUExecutionProvider"  # the ONNX Runtime execution provider the sessions really run on


def norm_alpha(rate: int, hop: int, tau: float) -> float:
    """libDF's normalisation decay: exp(-hop/rate/tau), rounded to the first precision below 1."""
    a = float(np.exp(np.float32(-hop / rate / tau)))
    precision = 3
    r = 1.0
    while r >= 1.0:
        r = round(a * 10**precision) / 10**precision
        precision += 1
    return r


def erb_widths(rate: int = MODEL_RATE, fft: int = FFT, bands: int = NB_ERB, min_freqs: int = 2) -> np.ndarray:
    """Number of FFT bins in each ERB band (libDF's filter bank layout)."""

    def freq2erb(f: float) -> float:
        return 9.265 * np.log1p(f / (24.7 * 9.265))

    def erb2freq(e: float) -> float:
        return 24.7 * 9.265 * (np.exp(e / 9.265) - 1.0)

    width = rate / fft
    lo, hi = freq2erb(0.0), freq2erb(rate / 2)
    step = (hi - lo) / bands
    out = np.zeros(bands, np.int64)
    prev, over = 0, 0
    for i in range(1, bands + 1):
        fb = int(np.round(np.float32(erb2freq(lo + i * step)) / np.float32(width)))
        n = fb - prev - over
        if n < min_freqs:
            over = min_freqs - n
            n = min_freqs
        else:
            over = 0
        out[i - 1] = n
        prev = fb
    out[-1] += 1
    out[-1] -= out.sum() - (fft // 2 + 1)
    return out


# The exported graphs start each GRU from zeros. To carry the recurrent state from one call to
# the next (long files run in chunks) we rewire each GRU node's initial_h to a new graph input and
# expose its per-step output Y. Only these few protobuf fields are declared; protobuf keeps every
# other field (weights included) as unknown fields and writes them back unchanged.


def _onnx_subset():
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    fd = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(name="voiceclean_onnx_subset.proto", package="vc_onnx", syntax="proto2")

    def msg(name, fields):
        m = fdp.message_type.add(name=name)
        for fname, num, ftype, repeated, tname in fields:
            label = fd.LABEL_REPEATED if repeated else fd.LABEL_OPTIONAL
            f = m.field.add(name=fname, number=num, type=ftype, label=label)
            if tname:
                f.type_name = ".vc_onnx." + tname

    msg("Dim", [("dim_value", 1, fd.TYPE_INT64, False, None), ("dim_param", 2, fd.TYPE_STRING, False, None)])
    msg("Shape", [("dim", 1, fd.TYPE_MESSAGE, True, "Dim")])
    msg("TensorType", [("elem_type", 1, fd.TYPE_INT32, False, None), ("shape", 2, fd.TYPE_MESSAGE, False, "Shape")])
    msg("Type", [("tensor_type", 1, fd.TYPE_MESSAGE, False, "TensorType")])
    msg("ValueInfo", [("name", 1, fd.TYPE_STRING, False, None), ("type", 2, fd.TYPE_MESSAGE, False, "Type")])
    msg(
        "Node",
        [
            ("input", 1, fd.TYPE_STRING, True, None),
            ("output", 2, fd.TYPE_STRING, True, None),
            ("name", 3, fd.TYPE_STRING, False, None),
            ("op_type", 4, fd.TYPE_STRING, False, None),
        ],
    )
    msg(
        "Graph",
        [
            ("node", 1, fd.TYPE_MESSAGE, True, "Node"),
            ("input", 11, fd.TYPE_MESSAGE, True, "ValueInfo"),
            ("output", 12, fd.TYPE_MESSAGE, True, "ValueInfo"),
        ],
    )
    msg("Model", [("graph", 7, fd.TYPE_MESSAGE, False, "Graph")])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("vc_onnx.Model"))


def expose_gru_states(graph: bytes) -> tuple[bytes, list[tuple[str, str]]]:
    """Return the graph with every GRU's initial state as an input and its outputs Y exposed,
    plus [(state input name, Y output name)] in node order. The causal zero padding in time that
    the graph puts before its input (a Pad node on a graph input) becomes the input ``pads``, so a
    later chunk can be given real earlier frames instead."""
    model = _onnx_subset().FromString(graph)
    inputs = {v.name for v in model.graph.input}
    pads = [n for n in model.graph.node if n.op_type == "Pad" and n.input[0] in inputs]
    for node in pads:
        node.input[1] = "pads"
    if pads:
        tensor = model.graph.input.add(name="pads").type.tensor_type
        tensor.elem_type = 7  # int64
        tensor.shape.dim.add(dim_value=8)
    names = []
    for i, node in enumerate(n for n in model.graph.node if n.op_type == "GRU"):
        h_in, y_out = f"gru{i}_h0", node.output[0]
        while len(node.input) < 6:
            node.input.append("")
        node.input[5] = h_in
        tensor = model.graph.input.add(name=h_in).type.tensor_type
        tensor.elem_type = 1  # float
        for d in (1, 1, HIDDEN):
            tensor.shape.dim.add(dim_value=d)
        tensor = model.graph.output.add(name=y_out).type.tensor_type
        tensor.elem_type = 1
        tensor.shape.dim.add(dim_param="S")
        for d in (1, 1, HIDDEN):
            tensor.shape.dim.add(dim_value=d)
        names.append((h_in, y_out))
    return model.SerializeToString(), names


def _load() -> OrtModel:
    import onnxruntime as ort

    graphs: dict[str, bytes] = {}
    config = configparser.ConfigParser()
    with tarfile.open(model_path(), "r:gz") as tar:  # the archive's sha256 was checked by model_path()
        for member in tar.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if not member.isfile() or name not in {"enc.onnx", "erb_dec.onnx", "df_dec.onnx", "config.ini"}:
                continue
            data = tar.extractfile(member).read()
            if name == "config.ini":
                config.read_string(data.decode("utf-8"))
            else:
                graphs[name] = data
    df = config["df"]
    expected = {
        "sr": MODEL_RATE,
        "fft_size": FFT,
        "hop_size": HOP,
        "nb_erb": NB_ERB,
        "nb_df": NB_DF,
        "df_order": DF_ORDER,
    }
    for key, value in expected.items():
        if int(df[key]) != value:
            raise RuntimeError(f"unexpected DeepFilterNet config: {key}={df[key]}")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    opts.enable_cpu_mem_arena = False  # give the per-call buffers back (peak RSS)

    # CUDA when the onnxruntime-gpu build is installed (and $COMPUTE_DEVICE is not "cpu"), else the CPU; a CUDA
    # build on a machine without a GPU falls back to the CPU by itself, so the sessions are asked afterwards.
    providers = ort_providers()
    sessions = {}
    for name in ("enc", "erb_dec", "df_dec"):
        graph, states = expose_gru_states(graphs[name + ".onnx"])
        sess = ort.InferenceSession(graph, sess_options=opts, providers=providers)
        sessions[name] = Net(sess, states, TIME_PAD[name])
    provider = ort_provider_of(sessions["enc"].session)
    log.info("DeepFilterNet3 runs on ONNX Runtime's %s", provider)

    return OrtModel(
        enc=sessions["enc"],
        erb_dec=sessions["erb_dec"],
        df_dec=sessions["df_dec"],
        alpha=norm_alpha(int(df["sr"]), HOP, float(df["norm_tau"])),
        erb_widths=erb_widths(min_freqs=int(df["min_nb_erb_freqs"])),
        provider=provider,
    )


def load() -> OrtModel:
    """The ONNX Runtime sessions, created once per process (thread-safe ``run``)."""
    return models.get(CACHE_KEY, _load)


def provider() -> str:
    """The ONNX Runtime execution provider the model runs on (loads the model if needed)."""
    return load().provider
