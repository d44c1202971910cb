"""Remove background noise from speech recordings with DeepFilterNet3, on CPU, without torch."""

from pathlib import Path

HERE = Path(__file__).resolve().parent

import gradio as gr

from shared.gpu import gpu  # noqa: F401  (project convention; this Space needs no GPU or torch)
from shared.ui import ModelFacts, footer, header, launch_kwargs
from voiceclean import service
from voiceclean.audio_io import MAX_SECONDS

FACTS = ModelFacts(
    title="Voice Clean: remove background noise from speech",
    what_it_does=(
        "Upload or record speech in a noisy room and get a clean version back: same length, "
        "same sample rate, ready to download. Runs on a free CPU."
    ),
    model_name="DeepFilterNet3 (48 kHz, full band)",
    model_url="https://github.com/Rikorose/DeepFilterNet",
    size="8 MB ONNX, no torch",
    speed=service.SPEED_FACT,
    license="MIT / Apache-2.0",
    license_url="https://github.com/Rikorose/DeepFilterNet#license",
)

EXAMPLES = [
    [str(HERE / "examples" / "podcast_fan_noise_48k.wav"), 100],
    [str(HERE / "examples" / "interview_stereo_44k.wav"), 100],
    [str(HERE / "examples" / "voice_note_16k.flac"), 18],
]

STRENGTH_INFO = "How far the noise may be turned down: about 12 dB is gentle (keeps some room sound), 100 is full."


def build_demo() -> gr.Blocks:
    with gr.Blocks(title="Voice Clean (DeepFilterNet3)", delete_cache=(1800, 3600)) as demo:
        header(FACTS)
        with gr.Tab("Clean a recording"):
            with gr.Row():
                with gr.Column():
                    noisy = gr.Audio(
                        sources=["upload", "microphone"],
                        elem_id="noisy-audio",
                        type="filepath",
                        label="Noisy recording (WAV, FLAC, MP3, OGG or M4A)",
                    )
                    strength = gr.Slider(
                        minimum=6, maximum=100, value=100, step=1, label="Strength (dB)", info=STRENGTH_INFO
                    )
                    run = gr.Button("Clean", variant="primary")
                    gr.Markdown(
                        f"Up to {MAX_SECONDS // 60} minutes per file; mono or stereo, any sample rate "
                        "from 8 to 192 kHz. Long files show a progress bar.",
                    )
                with gr.Column():
                    cleaned = gr.Audio(
                        type="filepath",
                        label="Cleaned (WAV)",
                        interactive=False,
                        buttons=["download"],
                        elem_id="cleaned-audio",
                    )
                    report = gr.Markdown(elem_id="clean-report")
            with gr.Row():
                before = gr.Image(label="Before: spectrogram", interactive=False, buttons=["download"])
                after = gr.Image(label="After: spectrogram", interactive=False, buttons=["download"])
            gr.Examples(
                examples=EXAMPLES,
                inputs=[noisy, strength],
                outputs=[cleaned, before, after, report],
                fn=service.clean_audio,
                cache_examples=True,
                cache_mode="lazy",
                api_name="example",
            )
            run.click(
                service.clean_audio,
                inputs=[noisy, strength],
                outputs=[cleaned, before, after, report],
                api_name="denoise",
                concurrency_limit=2,  # the engine is single-threaded: one job per CPU core
                concurrency_id="engine",
            )
        with gr.Tab("Live (microphone)"):
            service.build_live_tab()
        footer(FACTS)
    return demo


service.check_model()  # fails fast at startup if the model file is missing or was changed
demo = build_demo()

if __name__ == "__main__":
    demo.queue(default_concurrency_limit=2).launch(prevent_thread_lock=True, **launch_kwargs())
    service.warm_up()  # load the engine once the page already answers (a request meanwhile waits)
    demo.block_thread()
else:  # imported by the launcher or the tests: load the engine in the background
    service.warm_up(background=True)
