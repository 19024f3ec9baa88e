"""The cumulative-sum task, the classic BiLSTM sanity check.

X is a sequence of n values uniform in [0, 1); the label at step t is 1 once the running sum reaches n / 4
(``0 if cumsum(X)[t] < n / 4 else 1``). The reference model is Keras'
``Bidirectional(LSTM(50)) + TimeDistributed(Dense(1, sigmoid))`` trained with binary cross-entropy and Adam
on 50,000 sequences of 10 steps, batch 10, one epoch. Here the sigmoid is folded into the loss
(``BCEWithLogitsLoss``, the numerically stable form of the same thing) and applied when predicting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from zhtagger.config import require_positive

if TYPE_CHECKING:
    import torch
    from torch import Tensor

    from zhtagger.core.training import Batch


def generate(n_sequences: int, length: int, seed: int | np.random.Generator = 0) -> tuple[np.ndarray, np.ndarray]:
    """X (N, n, 1) float32 uniform in [0, 1) and y (N, n, 1) float32 labels, as the reference defines them."""
    require_positive(n_sequences, "n_sequences")
    require_positive(length, "length")
    rng = np.random.default_rng(seed)
    x = rng.random((n_sequences, length), dtype=np.float64)
    y = np.cumsum(x, axis=1) >= length / 4
    return x[..., None].astype(np.float32), y[..., None].astype(np.float32)


def tensor_batches(x: Tensor, y: Tensor, batch_size: int) -> Callable[[torch.Generator], list[Batch]]:
    """Shuffled fixed-length batches of one epoch, drawn from tensors already in memory (training only)."""
    import torch

    from zhtagger.core.training import Batch

    def make(generator: torch.Generator) -> list[Batch]:
        order = torch.randperm(len(x), generator=generator)
        return [Batch(x[index], y[index]) for index in order.split(batch_size)]

    return make
