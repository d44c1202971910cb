"""Classify a brain MRI slice (glioma, meningioma, pituitary tumour or no tumour), honestly: calibrated
probabilities, an "uncertain" answer, a refusal for non-MRI images, and a heatmap of where the model looked."""

from shared.gpu import gpu  # noqa: F401  (before torch, for ZeroGPU; this small model runs on the CPU)

# isort: split
from braintumor.runtime import warm_in_background

# Load and warm the model in a thread once the server answers (shared.warmup); a request that comes before
# the model is warm waits for it (handlers), so none fails.
warm_in_background()

# isort: split
from pathlib import Path

import gradio as gr

from braintumor import tools
from braintumor.handlers import MAX_BATCH_FILES, NOTICE, TABLE_COLUMNS, classify, classify_many
from braintumor.imageio import IMAGE_SUFFIXES, MAX_FILE_BYTES
from braintumor.ui import adapt_tab
from shared.ui import ModelFacts, ServingLimits, footer, header, serve, tool, with_limits

EXAMPLES = Path(__file__).resolve().parent / "examples"
# (file, its picture in the gallery, caption), from the held-out test groups; the last one is not an MRI
EXAMPLES_SHOWN = (
    ("glioma_1.jpg", "glioma_1.jpg", "Glioma"),
    ("meningioma_1.jpg", "meningioma_1.jpg", "Meningioma"),
    ("pituitary_1.jpg", "pituitary_1.jpg", "Pituitary"),
    ("notumor_1.jpg", "notumor_1.jpg", "No tumour"),
    ("glioma_2.dcm", "previews/glioma_2_dcm.png", "Glioma .dcm"),
    ("not_mri_document.png", "not_mri_document.png", "Not an MRI"),
)


def pick_example(evt: gr.SelectData) -> str:
    """The example file behind the clicked picture (a DICOM shows as its PNG preview)."""
    return str(EXAMPLES / EXAMPLES_SHOWN[evt.index][0])


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
    speed="about 0.02 s per image on one CPU thread",
    license="Apache-2.0 (weights); data CC0 / CC BY 4.0",
    license_url="https://www.apache.org/licenses/LICENSE-2.0",
)
HEATMAP_NOTE = (
    "The coloured overlay is a LayerCAM map: the regions that most influenced the model's answer. The model was "
    "taught on hand-marked slices to look at the lesion; on 21 hand-marked test slices the map's strongest spot "
    "fell on the tumour in 13 and next to it in 16. **It is a coarse 8 x 8 map, not a tumour outline, a "
    "segmentation or a measurement.**"
)
# 2 vCPUs, about 50 ms of model time per slice: the model runs one slice at a time (the predictor is locked),
# so a second event only overlaps file reading and writing the heatmap; a queue of 32 waits about 2 s; uploads
# up to the reader's own cap; uploaded slices leave Gradio's cache within 30 minutes.
LIMITS = ServingLimits(concurrency=2, max_queue=32, max_file_size=f"{MAX_FILE_BYTES // 2**20}mb")
DELETE_CACHE = (600, 1800)  # (every 10 min, files older than 30 min)


def build_demo() -> gr.Blocks:
    with gr.Blocks(title="Brain MRI tumour classifier", delete_cache=DELETE_CACHE) as demo:
        header(FACTS)
        gr.Markdown(NOTICE, elem_classes=["notice"])
        with gr.Tab("One slice"):
            with gr.Row():
                with gr.Column():
                    file = gr.File(
                        label="Brain MRI slice (PNG, JPEG, WebP, TIFF, BMP or DICOM .dcm)",
                        file_types=list(IMAGE_SUFFIXES),
                        file_count="single",
                        type="filepath",
                        elem_id="td-upload",
                    )
                    show_heatmap = gr.Checkbox(value=True, label="Show where the model looked (LayerCAM)")
                    run = gr.Button("Analyse", variant="primary")
                    examples = gr.Gallery(
                        [(str(EXAMPLES / shown), caption) for _, shown, caption in EXAMPLES_SHOWN],
                        label="Examples: click one to analyse it",
                        columns=3,
                        allow_preview=False,
                        buttons=[],
                        object_fit="contain",
                        elem_id="td-examples",
                    )
                with gr.Column():
                    verdict = gr.Markdown(
                        "Upload a slice and press **Analyse**.", label="Verdict", elem_id="td-verdict"
                    )
                    probs = gr.Label(label="Calibrated probabilities", num_top_classes=4, elem_id="td-probs")
                    heat = gr.Image(
                        label="Where the model looked (LayerCAM, not a tumour outline)",
                        type="filepath",
                        interactive=False,
                        elem_id="td-heatmap",
                    )
                    gr.Markdown(HEATMAP_NOTE)
                    with gr.Accordion("Details (JSON)", open=False):
                        details = gr.JSON(label="Details")
            outputs = [probs, verdict, heat, details]
            run.click(classify, [file, show_heatmap], outputs, api_name="analyse", api_visibility="undocumented")
            tool(tools.classify, [file], api_name="classify")
            examples.select(pick_example, None, file, api_name="pick_example", api_visibility="private").then(
                classify, [file, show_heatmap], outputs, api_name="analyse_example", api_visibility="private"
            )
        with gr.Tab("Batch"):
            gr.Markdown(
                f"Up to {MAX_BATCH_FILES} slices at once: a table and a CSV with one row per slice. For whole "
                "folders, run `spaces/tumor_detect/batch.py` (see the README)."
            )
            many = gr.File(
                label="Brain MRI slices", file_types=list(IMAGE_SUFFIXES), file_count="multiple", type="filepath"
            )
            run_many = gr.Button("Analyse all", variant="primary")
            table = gr.Dataframe(headers=TABLE_COLUMNS, label="Results", interactive=False, wrap=True)
            table_csv = gr.File(label="Results (CSV)", interactive=False)
            run_many.click(
                classify_many,
                inputs=[many],
                outputs=[table, table_csv],
                api_name="analyse_many",
                api_visibility="undocumented",
                concurrency_limit=1,
                concurrency_id="batch",
            )
            tool(tools.classify_many, [many], api_name="classify_many", concurrency_limit=1, concurrency_id="batch")
        with gr.Tab("Adapt to your scanner"):
            adapt_tab()
        gr.Markdown(
            "Trained on 7,019 public brain MRI slices (figshare, SARTAJ, Br35H, via Kaggle), de-duplicated and "
            "split by near-duplicate groups. It only knows these four classes and the kind of slices in that "
            "collection; see the model card for measured accuracy, calibration and limits."
        )
        footer(FACTS)
    return with_limits(demo, LIMITS)


demo = build_demo()

if __name__ == "__main__":
    serve(demo)
