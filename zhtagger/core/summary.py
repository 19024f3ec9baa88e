"""A Keras-style summary of the shared core: what the cumsum reference prints, for comparing parameter counts.

PyTorch's LSTM has two bias vectors per gate, so the port of the Keras cumsum model has 21,301 parameters where
Keras reports 20,901.
"""

from __future__ import annotations

from torch import nn

from zhtagger.core.model import Direction, SequenceTagger


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
