"""Settings of a cloze model; stored in its model directory."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from zhtagger.config import parse_enum, require_fraction, require_positive
from zhtagger.core.config import Direction


class Unit(str, Enum):
    WORD = "word"  # one step a word: a fill-in is scored in one softmax over the word vocabulary
    CHAR = "char"  # one step a character: a fill-in of k characters is k masks (whole words masked in training)


@dataclass
class ClozeConfig:
    """Settings of a cloze model; stored in its model directory."""

    # defaults: the benchmarked and shipped model (scripts/bench_cloze.py)
    embedding_dim: int = 128
    hidden: int = 192
    layers: int = 2  # stacked: a bidirectional model's upper layer sees both sides of the blank at once
    direction: Direction = Direction.BIDIRECTIONAL
    unit: Unit = Unit.WORD
    dropout: float = 0.2
    min_count: int = 3  # words seen fewer times are <unk>
    max_vocab: int = 50_000
    max_words: int = 64  # longer sentences are cut into pieces this long for training
    mask_rate: float = 0.15  # share of the (non-punctuation) words masked in a training sentence, at least one
    batch_size: int = 64
    sampled: int = 2048  # > 0: train with a sampled softmax over this many words a batch; 0: the full softmax

    def __post_init__(self) -> None:
        self.direction = parse_enum(Direction, self.direction, "direction")
        self.unit = parse_enum(Unit, self.unit, "unit")
        for option in ("embedding_dim", "hidden", "layers", "min_count", "max_vocab", "max_words", "batch_size"):
            require_positive(getattr(self, option), option.replace("_", "-"))
        if self.sampled < 0:
            raise ValueError(f"sampled must be >= 0; got {self.sampled!r}")
        if not 0 < self.mask_rate <= 1:
            raise ValueError(f"mask-rate must be in (0, 1]; got {self.mask_rate!r}")
        require_fraction(self.dropout, "dropout")
