"""sha256 pins of the shipped head and encoder delta; written by train.py."""

HEAD_FILE = "intent_head.safetensors"
HEAD_SHA256 = "784e110d6a42b0f0544ec116fe2171a243c4531b521d70b25e2500f7ad067425"
DELTA_FILE = "encoder_delta.safetensors"
DELTA_SHA256 = "b962b7562fcb706b3eb77648d68f11a1f9fc927b3b571d45d68ecefa9e3c2148"
