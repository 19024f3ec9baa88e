"""The segmentation network: the shared core, with a CRF on top when the decoder is ``crf``."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from zhtagger.core.checkpoint import state_arrays
from zhtagger.core.crf import CRF
from zhtagger.core.model import SequenceTagger, TaggerConfig
from zhtagger.core.training import Batch
from zhtagger.tasks.segment.config import Decoder, SegmenterConfig
from zhtagger.text.tags import RULES, TAGS


class SegmenterNet(nn.Module):
    """Per-character tag scores from the shared core; a CRF on top when the decoder is ``crf``.

    The core has one output per BMES tag, or, when it learns POS tags too, one per (BMES tag, POS tag) pair:
    target ``bmes * n_pos + pos``, so that the outputs of one BMES tag sit side by side."""

    def __init__(self, core_config: TaggerConfig, use_crf: bool) -> None:
        super().__init__()
        self.core = SequenceTagger(core_config)
        self.crf = CRF(RULES) if use_crf else None
        self.n_pos = core_config.n_outputs // len(TAGS)

    @property
    def config(self) -> TaggerConfig:
        return self.core.config

    def forward(self, inputs: Tensor, lengths: Tensor | None = None) -> Tensor:
        """(B, T, 4) BMES scores: the core's logits, or with POS outputs, log P(BMES tag) summed over POS tags."""
        logits = self.core(inputs, lengths)
        if self.n_pos == 1:
            return logits
        joint = logits.float().log_softmax(-1)
        return joint.view(*joint.shape[:-1], len(TAGS), self.n_pos).logsumexp(-1).to(logits.dtype)

    def loss(self, batch: Batch) -> Tensor:
        mask = batch.mask()
        if self.crf is not None:
            return self.crf.nll(self(batch.inputs, batch.lengths), batch.targets, mask)
        logits = self.core(batch.inputs, batch.lengths)  # (B, T, 4 * n_pos)
        return nn.functional.cross_entropy(logits[mask], batch.targets[mask])

    @torch.inference_mode()
    def logits(self, inputs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """The core's outputs for inference, numpy in and out: ids (B, T, K), lengths (B,) -> (B, T, 4 * n_pos)
        float32 (joined into BMES scores by the predictor, as for the numpy engine)."""
        device = next(self.parameters()).device
        return self.core(torch.from_numpy(inputs).to(device), torch.from_numpy(lengths)).float().cpu().numpy()

    def crf_tables(self) -> tuple[np.ndarray, ...] | None:
        """The CRF's transition, start and end scores with the BMES rules added, or None without a CRF."""
        return None if self.crf is None else tuple(t.detach().float().cpu().numpy() for t in self.crf.scores())

    def weights(self) -> dict[str, np.ndarray]:
        return state_arrays(self)


def build_net(config: SegmenterConfig, n_chars: int, n_bigrams: int, n_lexicon: int) -> SegmenterNet:
    vocab_sizes, dims = [n_chars], [config.char_dim]
    if config.bigram_dim:
        vocab_sizes.append(n_bigrams)
        dims.append(config.bigram_dim)
    if config.lexicon_dim:
        vocab_sizes.append(n_lexicon)
        dims.append(config.lexicon_dim)
    n_outputs = len(TAGS) * max(1, len(config.pos_tags))  # a BMES tag, or a (BMES, POS) pair, each
    core = TaggerConfig(n_outputs=n_outputs, vocab_sizes=tuple(vocab_sizes), embedding_dims=tuple(dims),
                        hidden=config.hidden, layers=config.layers, dropout=config.dropout)
    return SegmenterNet(core, use_crf=config.decoder is Decoder.CRF)
