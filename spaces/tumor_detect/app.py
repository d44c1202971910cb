"""Classify a brain MRI slice (glioma, meningioma, pituitary tumour or no tumour), honestly: calibrated
probabilities, an "uncertain" answer, a refusal for non-MRI images, and a Grad-CAM heatmap."""

import logging
from pathlib import Path

HERE = Path(__file__).resolve().parent

import gradio as gr

from braintumor.imageio import InputError
from braintumor.predictor import Predictor, overlay
from shared.device import setup
from shared.gpu import gpu  # noqa: F401  (before torch, for ZeroGPU; this small model runs on the CPU)
from shared.model_source import ModelSpec, models, resolve
from shared.ui import ModelFacts, footer, header, launch_kwargs

log = logging.getLogger("tumor_detect")

MODEL_KEY = "tumor_detect"
MODEL_SPEC = ModelSpec(
    name="tumor_detect classifier",
    env_var="TUMOR_DETECT_MODEL",
    local_candidates=(HERE / "model",),
    pinned={
        "config.json": "44d4a570b266c259b62b9d63af61098b4183074d43366bf45216f2a25faafa0a",
        "model.safetensors": "dadf15714f9acbfa29be6b8a5a60f9bccd74aa5e162abdce9dd4d8e10e259d8a",
        "input_check.safetensors": "82d5600173abaa0ac9fcfe830e2672147420d5051d942d16f4cea83c39f56bfa",
        "calibration.json": "e89c07b1a1ed4d000785edf10a9ddac1be0e70e09e0fd74114064376cbdd605f",
    },
    required_files=("config.json", "model.safetensors", "input_check.safetensors", "calibration.json"),
)

FACTS = ModelFacts(
    title="Brain MRI tumour classifier (research demo)",
    what_it_does=(
        "Upload one brain MRI slice (image or DICOM). The model names the most likely of glioma, meningioma, "
        "pituitary tumour or no tumour, with calibrated probabilities, says when it is unsure, refuses images "
        "that are not brain MRI, and shows where it looked."
    ),
    model_name="EfficientNet-Lite0, fine-tuned (3.4M parameters)",
    model_url="https://github.com/tensorflow/tpu/tree/master/models/official/efficientnet/lite",
    size="7 MB (fp16)",
    speed="about 0.03 s per image on one CPU thread",
    license="Apache-2.0 (weights); data CC0 / CC BY 4.0",
    license_url="https://www.apache.org/licenses/LICENSE-2.0",
)

NOTICE = (
    "**Research demo, not a medical device.** It has not been validated for clinical use and must not be "
    "used to diagnose, treat or rule out any disease. Always consult a qualified radiologist."
)
HEATMAP_NOTE = (
    "The coloured overlay is a Grad-CAM map: the regions that most influenced the model's answer. "
    "**It is not a tumour outline, a segmentation or a measurement**, and it can highlight the skull or "
    "background."
)
FILE_TYPES = [".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".dcm"]


def load_predictor() -> Predictor:
    setup()
    return Predictor.from_folder(resolve(MODEL_SPEC))


def get_predictor() -> Predictor:
    return models.get(MODEL_KEY, load_predictor)


def _path_of(file) -> str | None:
    if file is None:
        return None
    if isinstance(file, str):
        return file
    if isinstance(file, dict):
        return file.get("path") or file.get("name")
    return getattr(file, "path", None) or getattr(file, "name", None)


def classify(file: str, show_heatmap: bool = True) -> tuple[dict | None, str, object, dict]:
    """Classify one brain MRI slice into glioma, meningioma, pituitary tumour or no tumour.

    Research demo, not a medical device. Images that do not look like a brain MRI slice are refused.

    Args:
        file: Path or URL of one image (PNG, JPEG, WebP, TIFF, BMP; grayscale, RGB, RGBA or 16-bit) or a
            DICOM (.dcm) file holding a single brain MRI slice.
        show_heatmap: Also compute a Grad-CAM heatmap of where the model looked (not a tumour outline).

    Returns:
        The calibrated class probabilities (empty when refused), a short verdict in Markdown, the
        heatmap overlay image (or None), and a details dictionary with status ("ok", "uncertain" or
        "refused"), label, probabilities, tumour probability and the input-check distance.
    """
    path = _path_of(file)
    if not path:
        raise gr.Error("Please upload an image or a DICOM (.dcm) file first.")
    try:
        pred = get_predictor().predict_file(path, heatmap=bool(show_heatmap))
    except InputError as exc:
        raise gr.Error(str(exc)) from None
    except gr.Error:
        raise
    except Exception as exc:  # never show a stack trace; never log the user's content
        log.exception("classification failed: %s", type(exc).__name__)
        raise gr.Error("Sorry, this file could not be analysed. Please try another image.") from None
    details = {
        "status": pred.status,
        "label": pred.label,
        "probabilities": {k: round(v, 4) for k, v in pred.probabilities.items()},
        "tumor_probability": round(pred.tumor_probability, 4) if pred.probabilities else None,
        "input_check_ratio": round(pred.ood_score, 3) if pred.ood_score != float("inf") else None,
        "message": pred.message,
    }
    if pred.status == "refused":
        verdict = f"### Not analysed\n{pred.message}"
        return None, verdict, None, details
    title = "Uncertain" if pred.status == "uncertain" else f"Most likely: {pred.label}"
    verdict = f"### {title}\n{pred.message}\n\n_{NOTICE}_"
    image = overlay(pred.image, pred.heatmap) if show_heatmap else overlay(pred.image, None)
    return pred.probabilities, verdict, image, details


def example_files() -> list[list]:
    ex = HERE / "examples"
    order = [
        "glioma_1.jpg",
        "meningioma_1.jpg",
        "pituitary_1.jpg",
        "notumor_1.jpg",
        "glioma_2.dcm",
        "not_mri_document.png",
    ]
    return [[str(ex / n), True] for n in order if (ex / n).is_file()]


def build_demo() -> gr.Blocks:
    with gr.Blocks(title="Brain MRI tumour classifier") as demo:
        header(FACTS)
        gr.Markdown(NOTICE, elem_classes=["notice"])
        with gr.Row():
            with gr.Column():
                file = gr.File(
                    label="Brain MRI slice (PNG, JPEG, WebP, TIFF, BMP or DICOM .dcm)",
                    file_types=FILE_TYPES,
                    file_count="single",
                    type="filepath",
                )
                show_heatmap = gr.Checkbox(value=True, label="Show where the model looked (Grad-CAM)")
                run = gr.Button("Analyse", variant="primary")
            with gr.Column():
                verdict = gr.Markdown("Upload a slice and press **Analyse**.", elem_id="td-verdict")
                probs = gr.Label(label="Calibrated probabilities", num_top_classes=4, elem_id="td-probs")
                heat = gr.Image(
                    label="Where the model looked (Grad-CAM, not a tumour outline)",
                    type="numpy",
                    interactive=False,
                    elem_id="td-heatmap",
                )
                gr.Markdown(HEATMAP_NOTE)
                with gr.Accordion("Details (JSON)", open=False):
                    details = gr.JSON(label="Details")
        outputs = [probs, verdict, heat, details]
        run.click(classify, inputs=[file, show_heatmap], outputs=outputs, api_name="classify")
        examples = example_files()
        if examples:
            gr.Examples(
                examples=examples,
                inputs=[file, show_heatmap],
                outputs=outputs,
                fn=classify,
                cache_examples=True,
                cache_mode="lazy",
                label="Examples (from the held-out test groups; the last one is not an MRI)",
            )
        gr.Markdown(
            "Trained on 7,019 public brain MRI slices (figshare, SARTAJ, Br35H, via Kaggle), de-duplicated and "
            "split by near-duplicate groups. It only knows these four classes and the kind of slices in that "
            "collection; see the model card for measured accuracy, calibration and limits."
        )
        footer(FACTS)
    return demo


demo = build_demo()

if __name__ == "__main__":
    demo.queue(default_concurrency_limit=1).launch(max_file_size="30mb", **launch_kwargs())
