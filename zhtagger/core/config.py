"""Settings of the shared core and of its training loop (no torch here, so that settings can be read and checked
without it)."""

from __future__ import annotations

import math
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


class Optimizer(str, Enum):
    ADAM = "adam"
    ADAMW = "adamw"


@dataclass
class TrainConfig:
    epochs: int = 1
    lr: float = 1e-3
    optimizer: Optimizer = Optimizer.ADAM
    weight_decay: float = 0.0
    clip_norm: float | None = 5.0  # max gradient norm; None turns clipping off
    lr_decay: float = 1.0  # the learning rate is multiplied by this after every epoch
    seed: int = 0
    patience: int | None = None  # stop after this many evaluations without a better dev score
    eval_every: int | None = None  # also evaluate every N optimiser steps (time-to-accuracy curves)
    quiet: bool = False
    device: str = "cpu"  # cpu, cuda or auto
    resume: bool = False  # continue from out_dir/checkpoint.pt if it exists

    def __post_init__(self) -> None:
        self.optimizer = parse_enum(Optimizer, self.optimizer, "optimizer")
        require_positive(self.epochs, "epochs")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be a positive number; got {self.lr!r}")
        if self.clip_norm is not None and self.clip_norm <= 0:
            raise ValueError(f"clip_norm must be positive or None; got {self.clip_norm!r}")
        if not 0 < self.lr_decay <= 1:
            raise ValueError(f"lr_decay must be in (0, 1]; got {self.lr_decay!r}")
        for option in ("patience", "eval_every"):
            if getattr(self, option) is not None:
                require_positive(getattr(self, option), option)
        self.device = resolve_device(self.device)


def resolve_device(device: str) -> str:
    if device == "cpu":
        return device
    import torch  # a GPU is asked for or looked for

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise ValueError(f"device must be one of auto, cpu, cuda; got {device!r}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was asked for but CUDA is not available here; use --device cpu or auto")
    return device
