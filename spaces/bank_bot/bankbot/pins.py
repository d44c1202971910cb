"""sha256 pins of the shipped head and encoder delta; written by train.py."""

HEAD_FILE = "intent_head.safetensors"
HEAD_SHA256 = "9b53677d3285b5c4dc5d40a336d7f31439d97cb6f98ce17e26bb4e5b0ff6964e"
DELTA_FILE = "encoder_delta.safetensors"
DELTA_SHA256 = ""
