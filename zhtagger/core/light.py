"""The shared core's forward pass in numpy: the same maths on the same weights as :class:`SequenceTagger`, for
inference without torch.

Two rewrites make it cheaper than a literal port, both exact in arithmetic (floating-point rounding differs
in the last bits; tests/test_light.py measures the agreement):

- the first layer's input projection ``W_ih @ [e_1; e_2; ...]`` is a sum over id channels of
  ``W_ih[:, channel] @ e_k``, so for a channel with a small vocabulary it is looked up in a table computed
  once per id instead of multiplied per step;
- ``sigmoid(z) = (tanh(z / 2) + 1) / 2``, so with the input, forget and output gates' weights halved at load,
  one ``tanh`` over all four gates serves them all.

Both directions of a layer run in one loop over time, stacked, so each step is one batched matrix product and
a few array operations.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from zhtagger.core.config import Direction, Merge, TaggerConfig

TABLE_BYTES = 32 * 2**20  # an id channel whose projection table would be larger is projected step by step


class LightTagger:
    """Embeddings or features -> LSTM layers -> Linear at every step, in numpy (float32), inference only.

    ``weights`` are the tensors of a :class:`SequenceTagger`'s ``state_dict`` as arrays, under the same names
    (without a task's prefix such as ``core.``).
    """

    def __init__(self, config: TaggerConfig, weights: Mapping[str, np.ndarray]) -> None:
        self.config = config
        w = {name: np.asarray(array, dtype=np.float32) for name, array in weights.items()}
        self.embeddings = [w[f"embeddings.{k}.weight"] for k in range(len(config.vocab_sizes))]
        self.directions = [d for d in ("forward", "backward")
                           if config.direction in (Direction(d), Direction.BIDIRECTIONAL)]
        self.layers = [LightLayer(w, f"lstm.{layer}", self.directions, config.hidden)
                       for layer in range(config.layers)]
        self.output_weight = np.ascontiguousarray(w["output.weight"].T)  # (H or 2H, C)
        self.output_bias = w["output.bias"]
        self.tables = self.projection_tables()

    def projection_tables(self) -> list[np.ndarray | None]:
        """Per id channel: the first layer's input projection of every id, (V, n_dir * 4H), when small enough."""
        tables, start = [], 0
        weight = self.layers[0].input_weight  # (input_size, n_dir * 4H)
        for table in self.embeddings:
            part = weight[start : start + table.shape[1]]
            start += table.shape[1]
            small = table.shape[0] * part.shape[1] * 4 <= TABLE_BYTES
            tables.append(table @ part if small else None)
        return tables

    def project_inputs(self, x: np.ndarray) -> np.ndarray:
        """Ids (B, T, K) or features (B, T, F) -> the first layer's input projection (B, T, n_dir * 4H)."""
        first = self.layers[0]
        if not self.embeddings:
            return x.astype(np.float32) @ first.input_weight + first.bias
        x = x[..., None] if x.ndim == 2 else x
        projected = np.broadcast_to(first.bias, (*x.shape[:2], first.bias.size)).copy()
        start = 0
        for k, (table, precomputed) in enumerate(zip(self.embeddings, self.tables, strict=True)):
            if precomputed is not None:
                projected += precomputed[x[..., k]]
            else:
                projected += table[x[..., k]] @ first.input_weight[start : start + table.shape[1]]
            start += table.shape[1]
        return projected

    def __call__(self, x: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
        """x: (B, T[, K or F]); lengths: (B,) or None when nothing is padded -> outputs (B, T, C); outputs at
        padded steps are meaningless."""
        batch, steps = x.shape[:2]
        lengths = np.full(batch, steps, dtype=np.int64) if lengths is None else np.asarray(lengths)
        h = merge(self.layers[0].run(self.project_inputs(x), lengths), self.config.merge)  # (B, T, H or 2H)
        for layer in self.layers[1:]:
            h = merge(layer.run(h @ layer.input_weight + layer.bias, lengths), self.config.merge)
        return h @ self.output_weight + self.output_bias  # (B, T, C)


class LightLayer:
    """One LSTM layer in one or both directions; gates reordered (i, f, o, g) and i, f, o halved (see the
    module's docstring)."""

    def __init__(self, w: Mapping[str, np.ndarray], prefix: str, directions: list[str], hidden: int) -> None:
        order = np.concatenate([np.arange(0, 2 * hidden), np.arange(3 * hidden, 4 * hidden),
                                np.arange(2 * hidden, 3 * hidden)])  # torch's i, f, g, o -> i, f, o, g
        scale = np.ones(4 * hidden, dtype=np.float32)
        scale[: 3 * hidden] = 0.5
        self.hidden = hidden
        self.input_weight = np.concatenate(  # (input_size, n_dir * 4H)
            [w[f"{prefix}.{d}_lstm.weight_ih_l0"][order].T * scale for d in directions], axis=1)
        self.bias = np.concatenate([(w[f"{prefix}.{d}_lstm.bias_ih_l0"] + w[f"{prefix}.{d}_lstm.bias_hh_l0"])[order]
                                    * scale for d in directions])
        self.recurrent = np.stack([w[f"{prefix}.{d}_lstm.weight_hh_l0"][order].T * scale
                                   for d in directions])  # (n_dir, H, 4H)
        self.backward = [d == "backward" for d in directions]

    def run(self, projected: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
        """Input projections (B, T, n_dir * 4H) -> each direction's outputs (B, T, H), in text order. The
        backward direction reads each sequence reversed within its own length, so never padding first."""
        batch, steps, _ = projected.shape
        n_dir, hidden = len(self.backward), self.hidden
        positions = reading_order(lengths, steps)  # (B, T): the step each position is read at, backwards
        inputs = np.empty((steps, n_dir, batch, 4 * hidden), dtype=np.float32)  # time-major
        rows = np.arange(batch)[:, None]
        for d, backward in enumerate(self.backward):
            part = projected[..., d * 4 * hidden : (d + 1) * 4 * hidden]
            inputs[:, d] = (part[rows, positions] if backward else part).transpose(1, 0, 2)
        outputs = run_cells(inputs, self.recurrent, hidden)  # (T, n_dir, B, H)
        return [outputs[:, d].transpose(1, 0, 2)[rows, positions] if backward else outputs[:, d].transpose(1, 0, 2)
                for d, backward in enumerate(self.backward)]


def reading_order(lengths: np.ndarray, steps: int) -> np.ndarray:
    """(B, T) positions read at each step by a direction going backwards within each row's length; padding
    keeps its place (the numpy twin of :func:`zhtagger.core.model.reverse_padded`)."""
    positions = np.broadcast_to(np.arange(steps), (len(lengths), steps))
    mirrored = lengths[:, None] - 1 - positions
    return np.where(mirrored >= 0, mirrored, positions)


def run_cells(inputs: np.ndarray, recurrent: np.ndarray, hidden: int) -> np.ndarray:
    """The LSTM recurrence over time-major input projections (T, n_dir, B, 4H) with gates (i, f, o, g), the
    first three pre-halved: -> hidden states (T, n_dir, B, H)."""
    steps, n_dir, batch, _ = inputs.shape
    h = np.zeros((n_dir, batch, hidden), dtype=np.float32)
    c = np.zeros_like(h)
    squashed_c = np.empty_like(h)
    gates = np.empty((n_dir, batch, 4 * hidden), dtype=np.float32)
    outputs = np.empty((steps, n_dir, batch, hidden), dtype=np.float32)
    sigmoid_part, candidate = gates[..., : 3 * hidden], gates[..., 3 * hidden :]
    input_gate, forget_gate, output_gate = (gates[..., k * hidden : (k + 1) * hidden] for k in range(3))
    for t in range(steps):
        np.matmul(h, recurrent, out=gates)
        gates += inputs[t]
        np.tanh(gates, out=gates)
        sigmoid_part *= 0.5
        sigmoid_part += 0.5
        c *= forget_gate
        c += input_gate * candidate
        np.tanh(c, out=squashed_c)
        np.multiply(output_gate, squashed_c, out=h)
        outputs[t] = h
    return outputs


def merge(outputs: list[np.ndarray], mode: Merge) -> np.ndarray:
    """The directions' outputs combined like a Keras ``Bidirectional`` layer."""
    if len(outputs) == 1:
        return outputs[0]
    forward, backward = outputs
    if mode is Merge.CONCAT:
        return np.concatenate(outputs, axis=-1)
    if mode is Merge.SUM:
        return forward + backward
    if mode is Merge.MUL:
        return forward * backward
    return (forward + backward) / 2


def strip_prefix(weights: Mapping[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays under ``prefix`` (e.g. ``core.``), renamed without it."""
    return {name[len(prefix) :]: array for name, array in weights.items() if name.startswith(prefix)}
