"""The tagging network: the shared core, with a CRF over the scheme's rules when the decoder is ``crf``."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from zhtagger.core.checkpoint import state_arrays
from zhtagger.core.crf import CRF
from zhtagger.core.model import SequenceTagger, TaggerConfig
from zhtagger.core.training import Batch
from zhtagger.text.schemes import Rules


class TagNet(nn.Module):
    """Per-character tag scores from the shared core; a CRF on top (learned transitions, rules enforced) or,
    without one, cross-entropy per character."""

    def __init__(self, core_config: TaggerConfig, rules: Rules, use_crf: bool) -> None:
        super().__init__()
        self.core = SequenceTagger(core_config)
        self.crf = CRF(rules) if use_crf else None

    @property
    def config(self) -> TaggerConfig:
        return self.core.config

    def forward(self, inputs: Tensor, lengths: Tensor | None = None) -> Tensor:
        return self.core(inputs, lengths)  # (B, T, C)

    def loss(self, batch: Batch) -> Tensor:
        mask = batch.mask()
        logits = self(batch.inputs, batch.lengths)
        if self.crf is not None:
            return self.crf.nll(logits, batch.targets, mask)
        return nn.functional.cross_entropy(logits[mask], batch.targets[mask])

    @torch.inference_mode()
    def logits(self, inputs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """ids (B, T, K), lengths (B,) -> scores (B, T, C) float32, numpy in and out."""
        device = next(self.parameters()).device
        return self.core(torch.from_numpy(inputs).to(device), torch.from_numpy(lengths)).float().cpu().numpy()

    def crf_tables(self) -> tuple[np.ndarray, ...] | None:
        return None if self.crf is None else tuple(t.detach().float().cpu().numpy() for t in self.crf.scores())

    def weights(self) -> dict[str, np.ndarray]:
        return state_arrays(self)
