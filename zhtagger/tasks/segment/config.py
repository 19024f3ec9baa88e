"""Settings of a segmenter: its input features, network and decoder. Stored in its model directory."""

from __future__ import annotations

import math
from dataclasses import dataclass

from zhtagger.config import parse_enum, require_fraction, require_positive
from zhtagger.core.config import TrainConfig
from zhtagger.tasks.engine import Decoder  # noqa: F401 -- a segmenter's setting

LEXICONS = ("jieba", "train")


@dataclass
class SegmenterConfig:
    """Settings of a segmenter: its input features, network and decoder. Stored in its model directory."""

    char_dim: int = 100
    bigram_dim: int = 100  # 0: no bigram channel
    lexicon_dim: int = 0  # > 0: a channel marking dictionary words (see lexicon)
    lexicon: str = "jieba"  # its words: "jieba" (jieba's dictionary, open track) or "train" (the training words)
    pretrain: tuple[str, ...] = ()  # raw-text files to pretrain character and bigram embeddings on (open track)
    pretrain_self: bool = False  # pretrain on the training text alone (no outside data: closed track)
    hidden: int = 150
    layers: int = 2
    dropout: float = 0.4
    decoder: Decoder = Decoder.VITERBI
    min_char_count: int = 1
    min_bigram_count: int = 2
    # training only: a bigram seen c times is read as unknown with probability a / (a + c), so the model learns
    # to segment around the unseen bigrams new text is full of (Kiperwasser & Goldberg 2016's word dropout).
    # "auto": the a that gives the training text as many unknown bigrams as the dev text has
    bigram_unk: float | str = 0.0
    # learn the training file's POS tags too: one output per (BMES tag, POS tag) pair, summed over the POS
    # tags to segment. The tags found in training are kept in pos_tags.
    pos: bool = False
    pos_tags: tuple[str, ...] = ()
    max_chars: int = 120  # training sentences are cut at punctuation into pieces this long
    batch_size: int = 32

    def __post_init__(self) -> None:
        self.decoder = parse_enum(Decoder, self.decoder, "decoder")
        self.pretrain = tuple(str(path) for path in self.pretrain)
        self.pos_tags = tuple(self.pos_tags)
        if self.pos and self.decoder is Decoder.CRF:
            raise ValueError("a segmenter that learns POS tags too (pos) decodes with viterbi or greedy, not crf")
        for option in ("char_dim", "hidden", "layers", "min_char_count", "min_bigram_count", "max_chars",
                       "batch_size"):
            require_positive(getattr(self, option), option.replace("_", "-"))
        if self.bigram_dim < 0 or self.lexicon_dim < 0:
            raise ValueError("bigram-dim and lexicon-dim must be >= 0")
        if self.lexicon not in LEXICONS:
            raise ValueError(f"lexicon must be one of {', '.join(LEXICONS)}; got {self.lexicon!r}")
        require_fraction(self.dropout, "dropout")
        if self.bigram_unk != "auto":
            try:
                value = float(self.bigram_unk)
            except (TypeError, ValueError):
                value = math.nan
            if not value >= 0:  # NaN fails too
                raise ValueError(f"bigram-unk must be a number >= 0 or 'auto'; got {self.bigram_unk!r}")
            self.bigram_unk = value

    @property
    def lexicon_is_training_words(self) -> bool:
        """Whether the model has a lexicon channel made of its own training words (saved with it)."""
        return bool(self.lexicon_dim) and self.lexicon == "train"


# Fine-tuning defaults, chosen on the medical-forum dev set (scripts/bench_domain.py, docs/domain.md): a lower
# learning rate than training from scratch, few epochs, early stopping on dev.
FINE_TUNE = TrainConfig(epochs=12, lr=3e-3, lr_decay=0.9, patience=3)
# replayed characters an epoch per training character: on medical-forum text, 6 kept PKU test F1 within 0.3 of
# the shipped model's (1: -1.8, 3: -0.9), for 0.65 less in-domain F1 than no replay
REPLAY_RATIO = 6.0
TEACHERS = ("jieba", "self")  # who segments raw text for learning from it; jieba measured best (docs/domain.md)
