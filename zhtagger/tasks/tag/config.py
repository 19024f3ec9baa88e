"""Settings of a tagger: its tags and scheme, input features, network and decoder. Stored in its model
directory."""

from __future__ import annotations

from dataclasses import dataclass

from zhtagger.config import parse_enum, require_fraction, require_positive
from zhtagger.core.config import TrainConfig
from zhtagger.tasks.engine import Decoder
from zhtagger.text.schemes import Scheme, parse_scheme, split_tag


@dataclass
class TaggingConfig:
    """A tagger's settings. ``tags`` (the outputs, in order) are found in the training data when empty."""

    scheme: Scheme = Scheme.BIOES
    tags: tuple[str, ...] = ()
    char_dim: int = 100
    bigram_dim: int = 100  # 0: no bigram channel
    lexicon_dim: int = 16  # > 0: a channel marking the words of jieba's dictionary
    pretrain: tuple[str, ...] = ()  # raw-text files to pretrain character and bigram embeddings on
    hidden: int = 150
    layers: int = 1
    dropout: float = 0.5
    decoder: Decoder = Decoder.CRF
    min_char_count: int = 1
    min_bigram_count: int = 2
    max_chars: int = 200  # longer training sentences are cut at punctuation (never inside a chunk)
    batch_size: int = 16

    def __post_init__(self) -> None:
        self.scheme = parse_scheme(self.scheme)
        self.decoder = parse_enum(Decoder, self.decoder, "decoder")
        self.tags = tuple(self.tags)
        self.pretrain = tuple(str(path) for path in self.pretrain)
        for tag in self.tags:
            split_tag(tag, self.scheme)
        for option in ("char_dim", "hidden", "layers", "min_char_count", "min_bigram_count", "max_chars",
                       "batch_size"):
            require_positive(getattr(self, option), option.replace("_", "-"))
        if self.bigram_dim < 0 or self.lexicon_dim < 0:
            raise ValueError("bigram-dim and lexicon-dim must be >= 0")
        require_fraction(self.dropout, "dropout")


SCRATCH = TrainConfig(epochs=30, lr=2e-3, lr_decay=0.95, patience=6)  # training from scratch
FINE_TUNE = TrainConfig(epochs=15, lr=1e-3, lr_decay=0.9, patience=4)  # from a trained tagger or segmenter
