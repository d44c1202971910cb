"""tumor_detect: a small brain-MRI classifier that is honest about what it sees.

Modules:
- ``lite0``: EfficientNet-Lite0 as a transformers ``EfficientNetConfig`` and the weight conversion.
- ``data``: the kit listing, de-duplication and the similarity-grouped split.
- ``imageio``: reading user files (PNG/JPEG/WebP/TIFF/BMP, 16-bit, EXIF, DICOM) safely.
- ``preprocess``: grayscale + intensity normalisation into model input.
- ``predictor``: calibrated prediction, the input check and Grad-CAM.
"""

CLASSES = ("glioma", "meningioma", "notumor", "pituitary")
TUMOR_CLASSES = ("glioma", "meningioma", "pituitary")
