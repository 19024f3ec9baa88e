"""The segmentation network: the shared core, with a CRF on top when the decoder is ``crf``."""

from __future__ import annotations

from torch import Tensor

from zhtagger.core.model import TaggerConfig
from zhtagger.core.tagging import TaggingNet
from zhtagger.tasks.segment.config import Decoder, SegmenterConfig
from zhtagger.text.tags import RULES, TAGS


class SegmenterNet(TaggingNet):
    """Per-character BMES scores from the shared core; a CRF on top when the decoder is ``crf``.

    The core has one output per BMES tag, or, when it learns POS tags too, one per (BMES tag, POS tag) pair:
    target ``bmes * n_pos + pos``, so that the outputs of one BMES tag sit side by side (trained by
    cross-entropy on the pairs; the predictor joins them into BMES scores)."""

    def __init__(self, core_config: TaggerConfig, use_crf: bool) -> None:
        super().__init__(core_config, RULES, use_crf)
        self.n_pos = core_config.n_outputs // len(TAGS)

    def forward(self, inputs: Tensor, lengths: Tensor | None = None) -> Tensor:
        """(B, T, 4) BMES scores: the core's logits, or with POS outputs, log P(BMES tag) summed over POS tags."""
        logits = self.core(inputs, lengths)
        if self.n_pos == 1:
            return logits
        joint = logits.float().log_softmax(-1)
        return joint.view(*joint.shape[:-1], len(TAGS), self.n_pos).logsumexp(-1).to(logits.dtype)


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
