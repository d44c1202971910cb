"""voiceclean: DeepFilterNet3 speech denoising for the noise_removal Space (no torch)."""
