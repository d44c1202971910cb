"""Gradio layout of the "Adapt to your scanner" tab (its event functions are in ``braintumor.handlers``)."""

from __future__ import annotations

import gradio as gr

from . import handlers
from .imageio import IMAGE_SUFFIXES

PRIVACY = """**Privacy first: do not upload patient slices to a public Space.** Slices are personal health data.
[Duplicate this Space](https://huggingface.co/docs/hub/spaces-overview#duplicating-a-space) as a **private** Space,
or run it on your own computer (`python spaces/tumor_detect/adapt.py --slices DIR --out DIR` does the same without
a browser). Remove names and IDs first (DICOM headers carry them). This Space deletes your uploaded slices as soon
as the job ends (finished, failed or stopped); it keeps only the adapted model, for your session, for two hours,
and never logs file names or contents."""

INTRO = """### Adapt to your scanner: make the model yours with a few dozen labelled slices
1. **Upload** a zip of four folders, `glioma/`, `meningioma/`, `pituitary/` and `notumor/`, with your slices
   (PNG, JPEG, WebP, TIFF, BMP or DICOM); 25 to 50 per class work well. Or select the slice files themselves,
   named after their class (`glioma_017.png`, `notumor_3.dcm`...). Up to 30 MB per file: 200 JPEG slices zip
   to about 3 MB; for bigger sets run `adapt.py` on your own computer.
2. **Check** them (too few, duplicates, not MRI, mixed sizes...), then **Adapt**: the last layers learn your
   slices on this Space's CPU in a few minutes (one job at a time; you see your place in the queue), and the
   answer's rules (how sure "no tumour" must be, what counts as unfamiliar) are refitted on your slices, never
   telling more of your tumours "no tumour" than the released rules do.
3. Read the **report** (each slice judged by a model that never saw it, before and after), **try** the adapted
   model on a slice, and **download** it (serve it with `TUMOR_MODEL=DIR python app.py`).

If the adapted model is not better than the released one on your slices, it is not offered, and the report says
why. Research demo, not a medical device."""


def adapt_tab() -> None:
    """The tab's components and events (call inside a ``gr.Tab``)."""
    model_dir = gr.State(None)  # this visitor's adapted model (a server-side folder); never shared
    gr.Markdown(PRIVACY, elem_classes=["notice"])
    gr.Markdown(INTRO)
    upload = gr.File(
        label="Labelled slices: a .zip of class folders, or slice files",
        file_types=[".zip", *IMAGE_SUFFIXES],
        file_count="multiple",
        type="filepath",
        elem_id="td-adapt-upload",
    )
    with gr.Row():
        check_btn = gr.Button("Check my slices")
        adapt_btn = gr.Button("Adapt the model", variant="primary")
    checks = gr.Markdown(label="Checks", elem_id="td-adapt-checks")
    report = gr.Markdown(label="Report", elem_id="td-adapt-report")
    download = gr.DownloadButton("Download the adapted model (.zip)", visible=False)
    with gr.Group():
        gr.Markdown("#### Try it: one slice through your adapted model (only you see it)")
        with gr.Row():
            with gr.Column():
                try_file = gr.File(
                    label="A slice", file_types=list(IMAGE_SUFFIXES), type="filepath", elem_id="td-adapt-try-file"
                )
                try_btn = gr.Button("Analyse with my model")
            with gr.Column():
                try_verdict = gr.Markdown(elem_id="td-adapt-verdict")
                try_probs = gr.Label(label="Calibrated probabilities", num_top_classes=4)
                try_heat = gr.Image(label="Where the model looked", type="filepath", interactive=False)
                try_details = gr.JSON(visible=False)
    check_btn.click(
        handlers.check_site_slices,
        upload,
        [checks, upload],
        api_name=False,
        concurrency_limit=1,
        concurrency_id="adapt_check",
    )
    adapt_btn.click(
        handlers.adapt_to_site,
        upload,
        [report, model_dir, download, upload],
        api_name=False,
        concurrency_limit=1,
        concurrency_id="adapt",
    )
    try_btn.click(
        handlers.try_adapted,
        [try_file, model_dir],
        [try_probs, try_verdict, try_heat, try_details],
        api_name=False,
    )
