"""Fine-tune the top layers of MiniLM together with the intent head (train.py only; needs torch).

Only the last ``layers`` transformer layers learn. The frozen layers below run once, in numpy,
and their token states are cached, so an epoch costs about as much as one forward pass of the
whole encoder. The result is stored as a small delta (fine-tuned minus original, float16) that
``bankbot.models.encoder.MiniLM`` adds to the pinned original weights at load time.
"""

from __future__ import annotations

import math
import random
import time

import numpy as np

from .encoder import MiniLM

PREFIX = "encoder.layer.{}."
LAYER_TENSORS = (
    "attention.self.query.weight",
    "attention.self.query.bias",
    "attention.self.key.weight",
    "attention.self.key.bias",
    "attention.self.value.weight",
    "attention.self.value.bias",
    "attention.output.dense.weight",
    "attention.output.dense.bias",
    "attention.output.LayerNorm.weight",
    "attention.output.LayerNorm.bias",
    "intermediate.dense.weight",
    "intermediate.dense.bias",
    "output.dense.weight",
    "output.dense.bias",
    "output.LayerNorm.weight",
    "output.LayerNorm.bias",
)


def tensor_names(encoder: MiniLM, layers: int) -> list[str]:
    first = encoder.n_layers - layers
    return [PREFIX.format(i) + t for i in range(first, encoder.n_layers) for t in LAYER_TENSORS]


def cache_lower_states(encoder: MiniLM, texts: list[str], layers: int, batch_size: int = 128) -> list[np.ndarray]:
    """Token states of every text after the frozen layers, one (tokens, 384) float32 array per text."""
    upto = encoder.n_layers - layers
    out: list[np.ndarray] = [np.zeros(0)] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        ids, mask = encoder.tokenize([texts[i] for i in idx])
        states = encoder.hidden_states(ids, mask, upto=upto)
        for row, i in enumerate(idx):
            out[i] = states[row, : int(mask[row].sum())].copy()
    return out


def _top_layers_module(encoder: MiniLM, layers: int, dropout: float):
    import torch
    from torch import nn
    from torch.nn import functional as F

    names = tensor_names(encoder, layers)

    class TopLayers(nn.Module):
        """The same arithmetic as MiniLM.layer, in torch, with BERT's dropout while training."""

        def __init__(self) -> None:
            super().__init__()
            self.names = names
            self.params = nn.ParameterList([nn.Parameter(torch.from_numpy(encoder.w[n].copy())) for n in names])
            self.index = {n: i for i, n in enumerate(names)}
            self.first = encoder.n_layers - layers
            self.heads, self.eps = encoder.heads, encoder.eps

        def p(self, i: int, t: str):
            return self.params[self.index[PREFIX.format(i) + t]]

        def forward(self, x, mask):
            n, length, hidden = x.shape
            dh = hidden // self.heads
            bias = ((1.0 - mask) * -1e9)[:, None, None, :]
            for i in range(self.first, self.first + layers):
                q, k, v = (
                    F.linear(x, self.p(i, f"attention.self.{t}.weight"), self.p(i, f"attention.self.{t}.bias"))
                    .view(n, length, self.heads, dh)
                    .transpose(1, 2)
                    for t in ("query", "key", "value")
                )
                probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh) + bias, dim=-1)
                probs = F.dropout(probs, dropout, self.training)
                ctx = (probs @ v).transpose(1, 2).reshape(n, length, hidden)
                a = F.linear(ctx, self.p(i, "attention.output.dense.weight"), self.p(i, "attention.output.dense.bias"))
                a = F.layer_norm(
                    F.dropout(a, dropout, self.training) + x,
                    (hidden,),
                    self.p(i, "attention.output.LayerNorm.weight"),
                    self.p(i, "attention.output.LayerNorm.bias"),
                    self.eps,
                )
                h = F.gelu(F.linear(a, self.p(i, "intermediate.dense.weight"), self.p(i, "intermediate.dense.bias")))
                o = F.linear(h, self.p(i, "output.dense.weight"), self.p(i, "output.dense.bias"))
                x = F.layer_norm(
                    F.dropout(o, dropout, self.training) + a,
                    (hidden,),
                    self.p(i, "output.LayerNorm.weight"),
                    self.p(i, "output.LayerNorm.bias"),
                    self.eps,
                )
            summed = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
            return F.normalize(summed, dim=1)

    return TopLayers()


def finetune_top_layers(
    encoder: MiniLM,
    texts: list[str],
    targets: np.ndarray,
    weights: np.ndarray,
    head_weight: np.ndarray,
    head_bias: np.ndarray,
    layers: int = 2,
    epochs: int = 2,
    lr: float = 5e-5,
    head_lr: float = 1e-3,
    batch_size: int = 32,
    dropout: float = 0.1,
    seed: int = 0,
    label_smoothing: float = 0.0,
    base: dict[str, np.ndarray] | None = None,
    log=print,
    states: list[np.ndarray] | None = None,
    embed: list[np.ndarray] | None = None,
    contrastive: float = 0.0,
    temperature: float = 0.1,
    negative_target: int | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """Train the top ``layers`` plus a linear head (started from ``head_weight``/``head_bias``).

    ``targets`` are label indices, ``weights`` per-row loss weights, ``states`` the texts' cached
    lower-layer states if the caller has them. Returns the delta tensors and, when ``embed`` (more
    cached states) is given, their sentence vectors from the trained layers (torch is faster than
    the numpy encoder on large batches; the two agree to ~1e-6). ``base``: the delta ``encoder`` already
    carries (training continues from an earlier run's layers); the returned delta is then still relative to the
    pinned original and keeps ``base`` for the layers that did not learn.
    """
    import torch
    from torch.nn import functional as F

    torch.manual_seed(seed)
    rng = random.Random(seed)
    if states is None:
        t0 = time.perf_counter()
        states = cache_lower_states(encoder, texts, layers)
        log(f"cached the frozen layers' states for {len(texts)} texts in {time.perf_counter() - t0:.0f} s")

    model = _top_layers_module(encoder, layers, dropout)
    head = torch.nn.Linear(head_weight.shape[1], head_weight.shape[0])
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(head_weight))
        head.bias.copy_(torch.from_numpy(head_bias))
    opt = torch.optim.AdamW(
        [{"params": model.parameters(), "lr": lr}, {"params": head.parameters(), "lr": head_lr}], weight_decay=0.01
    )
    batches = list(_batches(states, batch_size, encoder.hidden))
    if contrastive > 0:
        pairs = pair_batches(targets, negative_target, batch_size, rng)
        batches = [(idx, *_pad(states, idx, encoder.hidden)) for idx in pairs]
    total = epochs * len(batches)
    # linear warm-up over the first 6% of steps, then linear decay to zero
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: min(1.0, (step + 1) / (0.06 * total)) * max(0.0, (total - step) / total)
    )
    y_all = torch.from_numpy(np.asarray(targets, dtype=np.int64))
    w_all = torch.from_numpy(np.asarray(weights, dtype=np.float32))
    for epoch in range(epochs):
        if contrastive > 0 and epoch:  # new pairs every pass
            batches = [
                (idx, *_pad(states, idx, encoder.hidden))
                for idx in pair_batches(targets, negative_target, batch_size, rng)
            ]
        rng.shuffle(batches)
        model.train()
        running, t_epoch = 0.0, time.perf_counter()
        for step, (idx, x, mask) in enumerate(batches):
            emb = model(torch.from_numpy(x), torch.from_numpy(mask))
            loss_rows = F.cross_entropy(head(emb), y_all[idx], reduction="none", label_smoothing=label_smoothing)
            w = w_all[idx]
            loss = (loss_rows * w).sum() / w.sum()
            if contrastive > 0:
                loss = loss + contrastive * supcon_loss(emb, y_all[idx], negative_target, temperature)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            running += loss.item()
            if (step + 1) % 200 == 0:
                log(f"epoch {epoch + 1} step {step + 1}/{len(batches)} loss {running / 200:.4f}")
                running = 0.0
        log(f"epoch {epoch + 1} done in {time.perf_counter() - t_epoch:.0f} s")
    trained = zip(model.names, model.params, strict=True)
    base = base or {}
    delta = {n: d.astype(np.float16) for n, d in base.items()}
    for n, p in trained:
        delta[n] = (p.detach().numpy() - encoder.w[n] + base.get(n, 0.0)).astype(np.float16)
    if embed is None:
        return delta, None
    # Embed with the weights the app will use (original + float16 delta), not the float32 training copy.
    return delta, embed_states(MiniLM(encoder.folder, delta), embed, layers)


def embed_states(encoder: MiniLM, states: list[np.ndarray], layers: int) -> np.ndarray:
    """Sentence vectors from cached lower-layer states through the top ``layers`` (torch: on large batches
    it is several times faster than the numpy encoder, and agrees with it to ~1e-6)."""
    import torch

    model = _top_layers_module(encoder, layers, dropout=0.0).eval()
    vectors = np.zeros((len(states), encoder.hidden), np.float32)
    with torch.no_grad():
        for idx, x, mask in _batches(states, 256, encoder.hidden):
            vectors[idx] = model(torch.from_numpy(x), torch.from_numpy(mask)).numpy()
    return vectors


def pair_batches(targets, negative_target: int | None, batch_size: int, rng: random.Random) -> list[list[int]]:
    """One pass of batches for contrastive fine-tuning: each target's rows (not ``negative_target``'s) shuffled and cut
    into pairs, half a batch of pairs of different targets, and the other half filled with ``negative_target`` rows
    (drawn in turn from a shuffled list). Every own row appears once per pass; a lone row is a pair of one."""
    targets = np.asarray(targets)
    negatives = [int(i) for i in np.flatnonzero(targets == negative_target)] if negative_target is not None else []
    chunks: list[list[int]] = []
    for t in sorted(set(targets.tolist()) - {negative_target}):
        rows = [int(i) for i in np.flatnonzero(targets == t)]
        rng.shuffle(rows)
        chunks += [rows[k : k + 2] for k in range(0, len(rows), 2)]
    rng.shuffle(chunks)
    rng.shuffle(negatives)
    per_batch = max(1, batch_size // 4) if negatives else max(1, batch_size // 2)  # pairs per batch
    n_neg = batch_size - 2 * per_batch if negatives else 0
    out, k = [], 0
    for start in range(0, len(chunks), per_batch):
        idx = [i for chunk in chunks[start : start + per_batch] for i in chunk]
        for _ in range(min(n_neg, len(negatives))):
            idx.append(negatives[k % len(negatives)])
            k += 1
        out.append(idx)
    return out


def supcon_loss(emb, y, negative_target: int | None, temperature: float = 0.1):
    """Supervised contrastive loss (Khosla et al. 2020) of unit vectors ``emb`` with labels ``y``: for each row with
    another row of its label in the batch, minus the mean log-probability of picking those rows among all the others
    at cosine / ``temperature``. Rows of ``negative_target`` are never anchors or positives. 0 without any pair."""
    import torch

    n = len(y)
    sim = emb @ emb.T / temperature
    eye = torch.eye(n, dtype=torch.bool)
    sim = sim.masked_fill(eye, float("-inf"))
    log_p = sim - torch.logsumexp(sim, dim=1, keepdim=True)
    own = y != negative_target if negative_target is not None else torch.ones(n, dtype=torch.bool)
    pos = (y[:, None] == y[None, :]) & ~eye & own[:, None] & own[None, :]
    anchors = pos.any(dim=1)
    if not bool(anchors.any()):
        return emb.sum() * 0.0
    per_anchor = (log_p.masked_fill(~pos, 0.0)).sum(dim=1)[anchors] / pos.sum(dim=1)[anchors]
    return -per_anchor.mean()


def _pad(states: list[np.ndarray], idx: list[int], hidden: int) -> tuple[np.ndarray, np.ndarray]:
    length = max(len(states[i]) for i in idx)
    x = np.zeros((len(idx), length, hidden), np.float32)
    mask = np.zeros((len(idx), length), np.float32)
    for r, i in enumerate(idx):
        x[r, : len(states[i])] = states[i]
        mask[r, : len(states[i])] = 1.0
    return x, mask


def _batches(states: list[np.ndarray], batch_size: int, hidden: int):
    """Length-sorted, padded batches of cached states: (indices, (n, L, hidden) array, (n, L) mask)."""
    order = sorted(range(len(states)), key=lambda i: len(states[i]))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        yield (idx, *_pad(states, idx, hidden))
