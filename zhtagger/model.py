"""The shared core: inputs -> LSTM (forward, backward or bidirectional) -> one Linear at every timestep.

The core knows nothing about text. Tasks feed it either real-valued features ``(B, T, F)`` or token ids
``(B, T)`` / ``(B, T, K)`` (one embedding table per id channel, e.g. characters and character bigrams) and
get logits ``(B, T, C)`` back; labels, losses, decoding and metrics belong to the tasks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum

import torch
from torch import Tensor, nn


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


def parse_enum(enum_type: type[Enum], value: object, option: str) -> Enum:
    """``enum_type(value)`` with an error that names the option and the allowed values."""
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_type)
        raise ValueError(f"{option} must be one of {allowed}; got {value!r}") from None


def require_positive(value: object, option: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{option} must be a positive integer; got {value!r}")


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
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {self.dropout!r}")

    @property
    def input_size(self) -> int:
        return self.n_features or sum(self.embedding_dims)

    @property
    def lstm_output_size(self) -> int:
        if self.direction is Direction.BIDIRECTIONAL and self.merge is Merge.CONCAT:
            return 2 * self.hidden
        return self.hidden

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(direction=self.direction.value, merge=self.merge.value)
        data.update(vocab_sizes=list(self.vocab_sizes), embedding_dims=list(self.embedding_dims))
        return data


def reverse_padded(x: Tensor, lengths: Tensor | None) -> Tensor:
    """Reverse each sequence within its own length; padding stays where it is.  x: (B, T, D)."""
    batch, steps = x.shape[:2]
    if lengths is None or bool((lengths == steps).all()):
        return x.flip(1)
    positions = torch.arange(steps, device=x.device).expand(batch, steps)  # (B, T)
    mirrored = lengths.to(x.device).unsqueeze(1) - 1 - positions
    index = torch.where(mirrored >= 0, mirrored, positions)  # (B, T)
    rows = (torch.arange(batch, device=x.device) * steps).unsqueeze(1)
    # whole rows of the flattened (B * T, D) tensor: several times faster than gather on a CPU
    return x.reshape(batch * steps, -1).index_select(0, (rows + index).reshape(-1)).view_as(x)


def merge_directions(forward: Tensor, backward: Tensor, merge: Merge) -> Tensor:
    """Two (B, T, H) outputs -> (B, T, 2H) for concat, else (B, T, H)."""
    if merge is Merge.CONCAT:
        return torch.cat([forward, backward], dim=-1)
    if merge is Merge.SUM:
        return forward + backward
    if merge is Merge.MUL:
        return forward * backward
    return (forward + backward) / 2


class LSTMLayer(nn.Module):
    """One LSTM layer in one or both directions, merged like a Keras ``Bidirectional`` layer.

    Padding sits after each sequence's end, so the forward LSTM reads it only after every real step. The
    backward LSTM runs forward over each sequence reversed within its own length, so it too meets padding
    only at the end. This never reads padding into a real step's output and avoids packed sequences, which
    cost about twice as much on a CPU.
    """

    def __init__(self, input_size: int, hidden: int, direction: Direction, merge: Merge) -> None:
        super().__init__()
        self.merge = merge
        reads_forward = direction in (Direction.FORWARD, Direction.BIDIRECTIONAL)
        reads_backward = direction in (Direction.BACKWARD, Direction.BIDIRECTIONAL)
        self.forward_lstm = nn.LSTM(input_size, hidden, batch_first=True) if reads_forward else None
        self.backward_lstm = nn.LSTM(input_size, hidden, batch_first=True) if reads_backward else None

    def forward(self, x: Tensor, lengths: Tensor | None) -> Tensor:
        """(B, T, input_size) -> (B, T, H), or (B, T, 2H) when bidirectional with concat."""
        outputs = []
        if self.forward_lstm is not None:
            outputs.append(self.forward_lstm(x)[0])
        if self.backward_lstm is not None:
            outputs.append(reverse_padded(self.backward_lstm(reverse_padded(x, lengths))[0], lengths))
        if len(outputs) == 1:
            return outputs[0]
        return merge_directions(outputs[0], outputs[1], self.merge)


class SequenceTagger(nn.Module):
    """Embeddings or features -> dropout -> LSTM layers -> dropout -> Linear at every step (TimeDistributed)."""

    def __init__(self, config: TaggerConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = nn.ModuleList(
            nn.Embedding(size, dim, padding_idx=0)
            for size, dim in zip(config.vocab_sizes, config.embedding_dims, strict=True)
        )
        self.dropout = nn.Dropout(config.dropout)
        sizes = [config.input_size] + [config.lstm_output_size] * (config.layers - 1)
        self.lstm = nn.ModuleList(LSTMLayer(size, config.hidden, config.direction, config.merge) for size in sizes)
        self.output = nn.Linear(config.lstm_output_size, config.n_outputs)

    def embed(self, x: Tensor) -> Tensor:
        """Token ids (B, T) or (B, T, K), or features (B, T, F) -> LSTM inputs (B, T, input_size)."""
        if not self.embeddings:
            if x.dim() != 3 or x.size(-1) != self.config.n_features:
                raise ValueError(
                    f"expected features of shape (batch, steps, {self.config.n_features}); got {tuple(x.shape)}"
                )
            return x.float()
        if x.dim() == 2:
            x = x.unsqueeze(-1)
        if x.dim() != 3 or x.size(-1) != len(self.embeddings):
            raise ValueError(
                f"expected token ids of shape (batch, steps, {len(self.embeddings)}); got {tuple(x.shape)}"
            )
        return torch.cat([table(x[..., k]) for k, table in enumerate(self.embeddings)], dim=-1)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """x: (B, T[, K or F]); lengths: (B,) true lengths, or None when nothing is padded -> logits (B, T, C).

        Outputs at padded steps are meaningless; tasks mask them.
        """
        h = self.dropout(self.embed(x))  # (B, T, input_size)
        for index, layer in enumerate(self.lstm):
            h = layer(h if index == 0 else self.dropout(h), lengths)  # (B, T, H or 2H)
        return self.output(self.dropout(h))  # (B, T, C)


def summary(model: SequenceTagger, steps: int | None = None) -> str:
    """A Keras-style table: each layer, its output shape (None = any batch size) and parameter count."""
    config = model.config
    t = "None" if steps is None else str(steps)
    rows: list[tuple[str, str, int]] = []
    if model.embeddings:
        for k, table in enumerate(model.embeddings):
            rows.append((f"embedding_{k} (Embedding {table.num_embeddings})", f"(None, {t}, {table.embedding_dim})",
                         table.weight.numel()))
    else:
        rows.append(("input (features)", f"(None, {t}, {config.n_features})", 0))
    lstm_name = f"LSTM {config.hidden}" + (f" x{config.layers}" if config.layers > 1 else "")
    if config.direction is Direction.BIDIRECTIONAL:
        lstm_name = f"bidirectional ({lstm_name}, {config.merge.value})"
    else:
        lstm_name = f"{config.direction.value} ({lstm_name})"
    rows.append((lstm_name, f"(None, {t}, {config.lstm_output_size})", count_parameters(model.lstm)))
    rows.append(("time_distributed (Linear)", f"(None, {t}, {config.n_outputs})", count_parameters(model.output)))
    width = max(32, max(len(name) for name, _, _ in rows) + 2)
    rule = "=" * (width + 36)
    lines = [f"{'Layer (type)':<{width}}{'Output Shape':<22}{'Param #':>14}", rule]
    lines += [f"{name:<{width}}{shape:<22}{params:>14,}" for name, shape, params in rows]
    lines += [rule, f"Total params: {count_parameters(model):,}"]
    return "\n".join(lines)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
