"""Voice Clean: remove background noise from speech recordings with DeepFilterNet3, on CPU, without torch."""

from pathlib import Path

import gradio as gr

from shared.gpu import gpu  # noqa: F401  (project convention; this Space needs no GPU or torch)
from shared.results import results_root
from shared.ui import ModelFacts, ServingLimits, footer, header, serve, tool, with_limits
from shared.warmup import warm_in_background
from voiceclean import handlers, tools
from voiceclean.decode import MAX_SECONDS
from voiceclean.enhance import STRENGTH_MAX_DB, STRENGTH_MIN_DB

HERE = Path(__file__).resolve().parent
NAME = "Voice Clean"
FACTS = ModelFacts(
    title=f"{NAME}: remove background noise from speech",
    what_it_does=(
        "Upload or record speech in a noisy room and get a clean version back: same length, "
        "same sample rate, ready to download. Runs on a free CPU."
    ),
    model_name="DeepFilterNet3 (48 kHz, full band)",
    model_url="https://github.com/Rikorose/DeepFilterNet",
    size="8 MB ONNX, no torch",
    speed="10 min of audio in ≈20 s on 2 vCPUs",
    license="MIT / Apache-2.0",
    license_url="https://github.com/Rikorose/DeepFilterNet#license",
)
EXAMPLES = [
    [str(HERE / "examples" / "podcast_fan_noise_48k.wav"), 100],
    [str(HERE / "examples" / "interview_stereo_44k.wav"), 100],
    [str(HERE / "examples" / "voice_note_16k.flac"), 18],
]
STRENGTH_INFO = "How far the noise may be turned down: about 12 dB is gentle (keeps some room sound), 100 is full."
# The engine is single-threaded: one cleaning job per CPU core of a free 2-vCPU Space. 32 waiting jobs
# (a few seconds each for typical clips); uploads up to 200 MB (15 min of 48 kHz stereo 16-bit WAV).
LIMITS = ServingLimits(concurrency=2, max_queue=32, max_file_size="200mb")


def strength_slider(**kwargs) -> gr.Slider:
    return gr.Slider(STRENGTH_MIN_DB, STRENGTH_MAX_DB, value=STRENGTH_MAX_DB, step=1, label="Strength (dB)", **kwargs)


def build_demo() -> gr.Blocks:
    with gr.Blocks(title=f"{NAME} (DeepFilterNet3)", delete_cache=(300, 900)) as demo:
        header(FACTS)
        with gr.Tab("Clean a recording"):
            with gr.Row():
                with gr.Column():
                    noisy = gr.Audio(
                        sources=["upload", "microphone"],
                        type="filepath",
                        label="Noisy recording (WAV, FLAC, MP3, OGG or M4A)",
                        elem_id="noisy-audio",
                    )
                    strength = strength_slider(info=STRENGTH_INFO)
                    run = gr.Button("Clean", variant="primary")
                    gr.Markdown(
                        f"Up to {MAX_SECONDS // 60} minutes per file; mono or stereo, any sample rate "
                        "from 8 to 192 kHz. Long files show a progress bar."
                    )
                with gr.Column():
                    cleaned = gr.Audio(
                        type="filepath",
                        label="Cleaned (WAV)",
                        interactive=False,
                        buttons=["download"],
                        elem_id="cleaned-audio",
                    )
                    report = gr.Markdown(label="Report", elem_id="clean-report")
            with gr.Row():
                before = gr.Image(type="filepath", label="Before: spectrogram", interactive=False, buttons=["download"])
                after = gr.Image(type="filepath", label="After: spectrogram", interactive=False, buttons=["download"])
            outputs = [cleaned, before, after, report]
            gr.Examples(
                EXAMPLES,
                [noisy, strength],
                outputs,
                handlers.clean_audio,
                cache_examples=True,
                cache_mode="lazy",
                api_name="example",
            )
            run.click(
                handlers.clean_audio, [noisy, strength], outputs, api_name="clean_audio", api_visibility="undocumented"
            )
            tool(tools.clean, [noisy, strength], api_name="clean")
        with gr.Tab("Live (microphone)"):
            gr.Markdown(
                "Press **Record** and speak: the cleaned voice plays back with about half a second of delay. "
                "Use headphones, or the speaker will feed back into the microphone. "
                "To keep a clean copy, record in the first tab instead."
            )
            with gr.Row():
                mic = gr.Audio(
                    sources=["microphone"], streaming=True, type="numpy", label="Microphone", elem_id="live-mic"
                )
                live_out = gr.Audio(
                    streaming=True, autoplay=True, interactive=False, label="Cleaned, live", elem_id="live-out"
                )
            live_strength = strength_slider()
            stream = gr.State(None, time_to_live=900)
            # a browser stream, not a tool for API or MCP clients: undocumented
            mic.stream(
                handlers.live_step,
                [mic, stream, live_strength],
                [live_out, stream],
                stream_every=0.5,
                time_limit=600,
                api_name="live",
                api_visibility="undocumented",
                concurrency_limit=4,  # 0.5 s pieces cost a few ms each: more streams than cleaning jobs
                concurrency_id="live",
            )
            mic.stop_recording(handlers.live_stop, None, [stream], api_name="live_stop", api_visibility="undocumented")
        with gr.Tab("Batch"):
            gr.Markdown(
                f"Up to {handlers.MAX_BATCH_FILES} recordings, {handlers.MAX_BATCH_MINUTES} minutes in all: they "
                "come back cleaned in one zip file, each in its own format. For whole folders, run "
                "`spaces/noise_removal/batch.py` (see the README)."
            )
            many = gr.File(label="Noisy recordings", file_count="multiple", file_types=["audio"], type="filepath")
            many_strength = strength_slider()
            run_many = gr.Button("Clean all", variant="primary")
            archive = gr.File(label="Cleaned recordings (zip)", interactive=False)
            table = gr.Dataframe(
                headers=["file", "seconds", "status", "message"], label="Report", interactive=False, wrap=True
            )
            run_many.click(
                handlers.clean_many,
                [many, many_strength],
                [archive, table],
                api_name="clean_all",
                api_visibility="undocumented",
                concurrency_limit=1,  # one batch at a time: single files keep the other core
                concurrency_id="batch",
            )
            tool(
                tools.clean_many,
                [many, many_strength],
                api_name="clean_many",
                concurrency_limit=1,
                concurrency_id="batch",
            )
        footer(FACTS)
    # the tools hand out URLs of their results there (only these kinds: nothing else of a visitor's is served)
    demo.result_dirs = [results_root(handlers.SPACE, kind) for kind in ("cleaned_audio", "batch_output")]
    return with_limits(demo, LIMITS)


# checks the model's sha256 and runs it once, while the server already answers; requests wait for it
warm_in_background(handlers.SPACE, handlers.warm_up)
demo = build_demo()

if __name__ == "__main__":
    serve(demo)
