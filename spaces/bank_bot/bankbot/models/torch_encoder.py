"""The same MiniLM encoder in torch, for the batch job on a GPU (the app and the CPU path stay in numpy).

Built from the numpy encoder's own weights (original + fine-tuned delta) and tokenizer, so both give the same
vectors (tests check them against each other on the CPU). On cuda the matrix products run in float16 under
autocast, which keeps softmax, layer norms and the pooling in float32. Needs torch and transformers, which the
Space itself does not install: without them, or without a GPU, the batch job uses numpy.
"""

from __future__ import annotations

import numpy as np

from .encoder import MiniLM, pool


class TorchMiniLM:
    def __init__(self, numpy_encoder: MiniLM, device: str = "cuda") -> None:
        import torch
        from transformers import BertConfig, BertModel

        self.torch = torch
        self.device = torch.device(device)
        self.tokenize = numpy_encoder.tokenize
        self.hidden = numpy_encoder.hidden
        config = BertConfig.from_pretrained(numpy_encoder.folder)
        model = BertModel(config, add_pooling_layer=False)
        weights = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in numpy_encoder.w.items()}
        missing, _ = model.load_state_dict(weights, strict=False)
        if missing:
            raise ValueError(f"encoder weights missing for torch: {', '.join(missing[:5])}")
        self.model = model.eval().to(self.device)

    def encode(self, texts: list[str], batch_size: int = 128) -> np.ndarray:
        """(n, 384) unit vectors, like ``MiniLM.encode`` (similar lengths batched together)."""
        torch = self.torch
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        autocast = torch.autocast("cuda", dtype=torch.float16, enabled=self.device.type == "cuda")
        with torch.inference_mode(), autocast:
            for start in range(0, len(texts), batch_size):
                idx = order[start : start + batch_size]
                ids, mask = self.tokenize([texts[i] for i in idx])
                states = self.model(
                    input_ids=torch.from_numpy(ids).to(self.device),
                    attention_mask=torch.from_numpy(mask).to(self.device),
                ).last_hidden_state
                out[idx] = pool(states.float().cpu().numpy(), mask)
        return out
