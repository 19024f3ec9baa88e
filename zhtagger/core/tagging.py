"""The shared core with a tagging head, for training: per-step tag scores trained by cross-entropy, or by a
linear-chain CRF's likelihood under a tag scheme's rules (tables the task passes in; the core knows no scheme).
Scores come out as numpy arrays, as the numpy engine's do, so that tasks decode both alike."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from zhtagger.core.checkpoint import state_arrays
from zhtagger.core.crf import CRF, Rules
from zhtagger.core.model import SequenceTagger, TaggerConfig
from zhtagger.core.training import Batch


class TaggingNet(nn.Module):
    """The core's per-step scores; with ``use_crf`` a CRF on top (learned transitions, ``rules`` enforced),
    else cross-entropy per step."""

    def __init__(self, core_config: TaggerConfig, rules: Rules, use_crf: bool) -> None:
        super().__init__()
        self.core = SequenceTagger(core_config)
        self.crf = CRF(rules) if use_crf else None

    @property
    def config(self) -> TaggerConfig:
        return self.core.config

    def forward(self, inputs: Tensor, lengths: Tensor | None = None) -> Tensor:
        """The scores the CRF reads: (B, T, C)."""
        return self.core(inputs, lengths)

    def loss(self, batch: Batch) -> Tensor:
        mask = batch.mask()
        if self.crf is not None:
            return self.crf.nll(self(batch.inputs, batch.lengths), batch.targets, mask)
        logits = self.core(batch.inputs, batch.lengths)  # (B, T, n_outputs)
        return nn.functional.cross_entropy(logits[mask], batch.targets[mask])

    @torch.inference_mode()
    def logits(self, inputs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """The core's outputs for inference, numpy in and out: ids (B, T, K), lengths (B,) -> (B, T, C) float32."""
        device = next(self.parameters()).device
        return self.core(torch.from_numpy(inputs).to(device), torch.from_numpy(lengths)).float().cpu().numpy()

    def crf_tables(self) -> tuple[np.ndarray, ...] | None:
        """The CRF's transition, start and end scores with the rules added, or None without a CRF."""
        return None if self.crf is None else tuple(t.detach().float().cpu().numpy() for t in self.crf.scores())

    def weights(self) -> dict[str, np.ndarray]:
        return state_arrays(self)
