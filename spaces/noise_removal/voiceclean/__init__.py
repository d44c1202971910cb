"""voiceclean: clean speech recordings (remove background noise) with DeepFilterNet3, no torch.

Data flow: decode -> resample -> enhance (networks) -> resample back -> encode; see clean.py."""
