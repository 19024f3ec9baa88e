"""The cloze network without torch: the shared core in numpy (:mod:`zhtagger.core.light`) and the tied output
layer, for inference."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from zhtagger.core.config import TaggerConfig
from zhtagger.core.light import LightTagger, strip_prefix
from zhtagger.tasks.cloze.data import MASK_ID


class LightClozeNet:
    """:class:`~zhtagger.tasks.cloze.network.ClozeNet` for inference, in numpy (float32)."""

    def __init__(self, core_config: TaggerConfig, weights: Mapping[str, np.ndarray]) -> None:
        self.config = core_config
        self.arrays = dict(weights)
        self.core = LightTagger(core_config, strip_prefix(weights, "core."))
        self.table = self.core.embeddings[0].astype(np.float32)  # (V, E): the inputs score the outputs too (tied)
        self.bias = weights["bias"].astype(np.float32)

    def masked_log_probs(self, inputs: np.ndarray, lengths: np.ndarray, where: np.ndarray) -> np.ndarray:
        """Log-probabilities over the vocabulary at the masked steps ``where`` (B, T) bool -> (N, V)."""
        vectors = self.core(inputs, lengths)[where]  # (N, E)
        logits = vectors @ self.table.T + self.bias
        logits[:, [0, MASK_ID]] = -1e4  # never <pad> or <mask> itself; <unk> stands for every rare word
        logits -= logits.max(-1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(-1, keepdims=True))

    def weights(self) -> dict[str, np.ndarray]:
        return self.arrays
