"""The segmentation network: the shared core, with a CRF on top when the decoder is ``crf``."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from zhtagger.core.crf import CRF, greedy
from zhtagger.core.model import SequenceTagger, TaggerConfig, length_mask
from zhtagger.core.training import Batch
from zhtagger.tasks.segment.config import Decoder, SegmenterConfig
from zhtagger.text.tags import IMPOSSIBLE, RULES, TAGS, bmes_viterbi


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

    def decode(self, logits: Tensor, lengths: np.ndarray, decoder: Decoder, allowed: np.ndarray | None = None
               ) -> np.ndarray:
        """(B, T, 4) logits, (B,) lengths and optionally (B, T, 4) allowed tags -> (B, T) tag ids."""
        if decoder is Decoder.VITERBI:
            # the rules alone: per-step log-normalisers are the same for every path, so raw logits decode alike
            emissions = logits.float().cpu().numpy()
            emissions = emissions if allowed is None else np.where(allowed, emissions, IMPOSSIBLE)
            return bmes_viterbi(emissions, lengths)
        mask = length_mask(torch.from_numpy(lengths), logits.size(1)).to(logits.device)
        allowed = None if allowed is None else torch.from_numpy(allowed).to(logits.device)
        if decoder is Decoder.GREEDY:
            return greedy(logits if allowed is None else logits.masked_fill(~allowed, IMPOSSIBLE), mask).cpu().numpy()
        if self.crf is None:
            raise ValueError("this model was not trained with a CRF; decode with viterbi or greedy")
        return self.crf.decode(logits, mask, allowed).cpu().numpy()


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
