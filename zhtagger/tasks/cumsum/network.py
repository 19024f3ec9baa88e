"""The cumsum network is the shared core itself (one real-valued feature in, one logit out a step); the
sigmoid is folded into the loss (``BCEWithLogitsLoss``, the numerically stable form) and applied when predicting."""

from __future__ import annotations

from torch import Tensor, nn

from zhtagger.core.model import SequenceTagger, TaggerConfig
from zhtagger.core.training import Batch


def build_net(config: TaggerConfig) -> SequenceTagger:
    if config.n_features != 1 or config.n_outputs != 1:
        raise ValueError("a cumsum model has n_features=1 and n_outputs=1")
    return SequenceTagger(config)


def bce_loss(model: nn.Module, batch: Batch) -> Tensor:
    return nn.functional.binary_cross_entropy_with_logits(model(batch.inputs, batch.lengths), batch.targets)
