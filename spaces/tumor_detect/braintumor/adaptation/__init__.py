"""Adapt the shipped classifier to one site's scanner from a few dozen labelled slices (gradio-free).

Modules, in the order the data flows:
- ``site_slices``: read a labelled folder or a zip safely (sizes, zip bombs, paths outside the zip) and the
  plain-language checks (too few per class, empty class, one class only, non-images, duplicates, sizes).
- ``tuning``: frozen-prefix features of the site's slices, and fine-tuning of the last blocks on them, with
  replay of a few kit slices (``anchors``) so the model does not forget the collections it learned.
- ``checks``: the "looks unfamiliar" input check and the "no tumour" rule refitted to include the site.
- ``metrics``: accuracy, tumour sensitivity, "no tumour" on tumours and ECE with 95% intervals.
- ``pipeline``: ``adapt()``: out-of-fold before/after report, recalibration, the final model, the decision
  to ship it or not.
- ``folder``: the adapted model folder (pins, generated card, report.json) and ``TUMOR_MODEL``.
- ``service``: what the app's "Adapt to your scanner" tab runs: a capped child process per job, the
  visitor's slices deleted afterwards.
"""

from .. import CLASSES

FORMAT = "tumor_detect adapted model, format 1"

__all__ = ["CLASSES", "FORMAT"]
