"""The shared core: inputs -> LSTM (forward, backward or bidirectional) -> one Linear at every timestep.

The core knows nothing about text. Tasks feed it either real-valued features ``(B, T, F)`` or token ids
``(B, T)`` / ``(B, T, K)`` (one embedding table per id channel, e.g. characters and character bigrams) and
get logits ``(B, T, C)`` back; labels, losses, decoding and metrics belong to the tasks.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from zhtagger.core.config import Direction, Merge, TaggerConfig

__all__ = ["Direction", "Merge", "TaggerConfig", "SequenceTagger", "LSTMLayer", "length_mask"]


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


def length_mask(lengths: Tensor, steps: int) -> Tensor:
    """(B,) lengths -> (B, T) bool mask, True at real (not padded) steps."""
    return torch.arange(steps, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)
