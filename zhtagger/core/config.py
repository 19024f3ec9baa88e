"""Settings of the shared core (no torch here, so that settings can be read and checked without it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from zhtagger.config import parse_enum, require_fraction, require_positive


class Direction(str, Enum):
    FORWARD = "forward"
    BACKWARD = "backward"
    BIDIRECTIONAL = "bidirectional"


class Merge(str, Enum):
    """How the two directions of a bidirectional LSTM are combined (the Keras ``merge_mode`` values)."""

    CONCAT = "concat"
    SUM = "sum"
    MUL = "mul"
    AVE = "ave"


@dataclass
class TaggerConfig:
    """Constructor arguments of :class:`SequenceTagger`; stored in every model directory's config.json."""

    n_outputs: int
    n_features: int = 0  # real-valued inputs per step; 0 when the inputs are token ids
    vocab_sizes: tuple[int, ...] = ()  # one embedding table per id channel (id 0 is padding)
    embedding_dims: tuple[int, ...] = ()
    hidden: int = 50
    layers: int = 1
    direction: Direction = Direction.BIDIRECTIONAL
    merge: Merge = Merge.CONCAT
    dropout: float = 0.0

    def __post_init__(self) -> None:
        self.vocab_sizes = tuple(self.vocab_sizes)
        self.embedding_dims = tuple(self.embedding_dims)
        self.direction = parse_enum(Direction, self.direction, "direction")
        self.merge = parse_enum(Merge, self.merge, "merge")
        for option in ("n_outputs", "hidden", "layers"):
            require_positive(getattr(self, option), option)
        if (self.n_features > 0) == bool(self.vocab_sizes):
            raise ValueError(
                "give either n_features > 0 (real-valued inputs) or vocab_sizes (token ids), not both or neither;"
                f" got n_features={self.n_features}, vocab_sizes={self.vocab_sizes}"
            )
        if len(self.vocab_sizes) != len(self.embedding_dims):
            raise ValueError(
                f"vocab_sizes and embedding_dims need one entry per id channel; got {len(self.vocab_sizes)} "
                f"and {len(self.embedding_dims)}"
            )
        for size in self.vocab_sizes + self.embedding_dims:
            require_positive(size, "vocab_sizes/embedding_dims entries")
        require_fraction(self.dropout, "dropout")

    @property
    def input_size(self) -> int:
        return self.n_features or sum(self.embedding_dims)

    @property
    def lstm_output_size(self) -> int:
        if self.direction is Direction.BIDIRECTIONAL and self.merge is Merge.CONCAT:
            return 2 * self.hidden
        return self.hidden
