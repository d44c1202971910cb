"""The models: the intent inventory and its data, the sentence encoders (MiniLM, multilingual-e5; numpy, and torch
for a GPU batch), the intent heads, and their training pieces (fine-tuning, head fitting)."""
