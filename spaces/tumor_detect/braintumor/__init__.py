"""tumor_detect: a small brain-MRI classifier that is honest about what it sees.

Modules:
- ``lite0``: EfficientNet-Lite0 as a transformers ``EfficientNetConfig`` and the weight conversion (training).
- ``network``: the same network in plain PyTorch, what the Space runs (no transformers import at start).
- ``data``: the kit listing, de-duplication and the similarity-grouped split.
- ``imageio``: reading user files (PNG/JPEG/WebP/TIFF/BMP, 16-bit, EXIF, DICOM) safely.
- ``preprocess``: grayscale + intensity normalisation into model input.
- ``model_spec``: where the shipped model comes from and its sha256 pins (written by the scripts).
- ``predictor``: calibrated prediction, the input check and Grad-CAM.
- ``runtime``: the one shipped predictor per process, loaded and warmed at start.
- ``heatmap``: the Grad-CAM overlay picture, written to a fresh file.
- ``lesion_marks``: hand-marked lesion cells and the checks of a heatmap against them (``gradcam_sheet.py``).
- ``handlers``: the gradio adapters (the only gradio code besides ``app.py``).
"""

SPACE = "tumor_detect"

CLASSES = ("glioma", "meningioma", "notumor", "pituitary")
TUMOR_CLASSES = ("glioma", "meningioma", "pituitary")
