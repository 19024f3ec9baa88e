"""The shared core's forward pass in numpy: the same maths on the same weights as :class:`SequenceTagger`, for
inference without torch.

Two rewrites make it cheaper than a literal port, both exact in arithmetic (floating-point rounding differs
in the last bits; tests/test_light.py measures the agreement):

- the first layer's input projection ``W_ih @ [e_1; e_2; ...]`` is a sum over id channels of
  ``W_ih[:, channel] @ e_k``, so for a channel with a small vocabulary (characters, lexicon features) it is
  looked up in a table computed once per id instead of multiplied per step; the other channels' embeddings
  join ``h`` in each step's one matrix product ``[h; e] @ [W_hh; W_ih]``, so no (steps, 4H) projection of the
  whole text is ever materialised;
- ``sigmoid(z) = (tanh(z / 2) + 1) / 2``, so with the input, forget and output gates' weights halved at load,
  one ``tanh`` over all four gates serves them all.

Both directions of a layer run in one loop over time, stacked, so each step is one batched matrix product and
a few array operations.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from zhtagger.core.config import Direction, Merge, TaggerConfig

TABLE_BYTES = 32 * 2**20  # an id channel whose projection table would be larger is multiplied step by step


class LightTagger:
    """Embeddings or features -> LSTM layers -> Linear at every step, in numpy (float32), inference only.

    ``weights`` are the tensors of a :class:`SequenceTagger`'s ``state_dict`` as arrays, under the same names
    (without a task's prefix such as ``core.``).
    """

    def __init__(self, config: TaggerConfig, weights: Mapping[str, np.ndarray]) -> None:
        self.config = config
        self.arrays = dict(weights)  # as given, to save them again
        w = {name: np.asarray(array, dtype=np.float32) for name, array in weights.items()}
        self.embeddings = [w[f"embeddings.{k}.weight"] for k in range(len(config.vocab_sizes))]
        directions = [d for d in ("forward", "backward") if config.direction in (Direction(d), Direction.BIDIRECTIONAL)]
        self.backward = [d == "backward" for d in directions]
        self.layers = [LightLayer(w, f"lstm.{layer}", directions, config.hidden) for layer in range(config.layers)]
        self.output_weight = np.ascontiguousarray(w["output.weight"].T)  # (H or 2H, C)
        self.output_bias = w["output.bias"]
        # first layer: small id channels become tables of projections, the others stay dense inputs
        self.tabled = [table.shape[0] * self.layers[0].gates.size * 4 <= TABLE_BYTES for table in self.embeddings]
        self.tables = self.layers[0].take_tables(self.embeddings, self.tabled)

    def __call__(self, x: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
        """x: (B, T[, K or F]); lengths: (B,) or None when nothing is padded -> outputs (B, T, C); outputs at
        padded steps are meaningless."""
        batch, steps = x.shape[:2]
        lengths = np.full(batch, steps, dtype=np.int64) if lengths is None else np.asarray(lengths)
        order = [reading_order(lengths, steps) if backward else None for backward in self.backward]
        if self.embeddings:
            x = x[..., None] if x.ndim == 2 else x
            dense = [table[x[..., k]] for k, table in enumerate(self.embeddings) if not self.tabled[k]]
            ids = [x[..., k] for k in range(len(self.embeddings)) if self.tabled[k]]
            h = self.layers[0](np.concatenate(dense, -1) if dense else None, ids, self.tables, order)
        else:
            h = self.layers[0](x.astype(np.float32), [], [], order)
        h = merge(h, self.config.merge)
        for layer in self.layers[1:]:
            h = merge(layer(h, [], [], order), self.config.merge)  # (B, T, H or 2H)
        return h @ self.output_weight + self.output_bias  # (B, T, C)


class LightLayer:
    """One LSTM layer in one or both directions; gates reordered (i, f, o, g) and i, f, o halved (see the
    module's docstring). Each step multiplies [h; dense input] by the recurrent and input weights at once."""

    def __init__(self, w: Mapping[str, np.ndarray], prefix: str, directions: list[str], hidden: int) -> None:
        order = np.concatenate([np.arange(0, 2 * hidden), np.arange(3 * hidden, 4 * hidden),
                                np.arange(2 * hidden, 3 * hidden)])  # torch's i, f, g, o -> i, f, o, g
        scale = np.ones(4 * hidden, dtype=np.float32)
        scale[: 3 * hidden] = 0.5
        self.hidden = hidden
        self.input_weight = np.stack([w[f"{prefix}.{d}_lstm.weight_ih_l0"][order].T * scale
                                      for d in directions])  # (n_dir, input_size, 4H)
        self.recurrent = np.stack([w[f"{prefix}.{d}_lstm.weight_hh_l0"][order].T * scale
                                   for d in directions])  # (n_dir, H, 4H)
        self.gates = np.stack([(w[f"{prefix}.{d}_lstm.bias_ih_l0"] + w[f"{prefix}.{d}_lstm.bias_hh_l0"])[order]
                               * scale for d in directions])  # (n_dir, 4H): the bias
        self.weights = np.concatenate([self.recurrent, self.input_weight], axis=1)  # (n_dir, H + input, 4H)

    def take_tables(self, embeddings: list[np.ndarray], tabled: list[bool]) -> list[np.ndarray]:
        """Projections (n_dir, V, 4H) of every id of the tabled channels (the bias in the first), and the
        weights of [h; the other channels' embeddings] for the steps."""
        starts = np.cumsum([0] + [table.shape[1] for table in embeddings])
        tables, dense_rows = [], [np.arange(self.hidden)]
        for k, table in enumerate(embeddings):
            rows = np.arange(starts[k], starts[k + 1])
            if tabled[k]:
                projection = np.einsum("ve,deg->dvg", table, self.input_weight[:, rows])
                tables.append(np.ascontiguousarray(projection + (self.gates[:, None, :] if not tables else 0)))
            else:
                dense_rows.append(self.hidden + rows)
        if embeddings:
            self.weights = np.ascontiguousarray(self.weights[:, np.concatenate(dense_rows)])
        return tables

    def __call__(self, dense: np.ndarray | None, ids: list[np.ndarray], tables: list[np.ndarray],
                 order: list[np.ndarray | None]) -> list[np.ndarray]:
        """Dense inputs (B, T, D) or None, and ids (B, T) of the tabled channels -> each direction's outputs
        (B, T, H) in text order. ``order`` gives, per direction, the positions read at each step (None: left
        to right); a backward direction reads each row reversed within its own length, so never padding first."""
        batch, steps = (dense if dense is not None else ids[0]).shape[:2]
        rows = np.arange(batch)[:, None]
        by_step = [(lambda a: a) if positions is None else (lambda a, p=positions: a[rows, p]) for positions in order]
        dense_steps = None if dense is None else np.stack(
            [read(dense).transpose(1, 0, 2) for read in by_step], axis=1)  # (T, n_dir, B, D)
        id_steps = [np.stack([read(channel).T for read in by_step], axis=1) for channel in ids]  # (T, n_dir, B)
        outputs = run_cells(self.weights, self.hidden, dense_steps, id_steps, tables,
                            None if tables else self.gates, batch, steps)  # (T, n_dir, B, H)
        return [read(outputs[:, d].transpose(1, 0, 2)) for d, read in enumerate(by_step)]


def reading_order(lengths: np.ndarray, steps: int) -> np.ndarray:
    """(B, T) positions read at each step by a direction going backwards within each row's length; padding
    keeps its place (the numpy twin of :func:`zhtagger.core.model.reverse_padded`, and its own inverse)."""
    positions = np.broadcast_to(np.arange(steps), (len(lengths), steps))
    mirrored = lengths[:, None] - 1 - positions
    return np.where(mirrored >= 0, mirrored, positions)


def run_cells(weights: np.ndarray, hidden: int, dense: np.ndarray | None, ids: list[np.ndarray],
              tables: list[np.ndarray], bias: np.ndarray | None, batch: int, steps: int) -> np.ndarray:
    """The LSTM recurrence, time-major, gates (i, f, o, g) with the first three pre-halved. At step t the
    gates are ``[h; dense[t]] @ weights`` (n_dir, H + D, 4H) plus each table's rows for ``ids[t]`` (n_dir, B)
    plus ``bias``. Returns the hidden states (T, n_dir, B, H)."""
    n_dir = weights.shape[0]
    state = np.zeros((n_dir, batch, weights.shape[1]), dtype=np.float32)  # [h; dense input]
    h = state[..., :hidden]
    c = np.zeros((n_dir, batch, hidden), dtype=np.float32)
    squashed_c = np.empty_like(c)
    gates = np.empty((n_dir, batch, 4 * hidden), dtype=np.float32)
    looked_up = np.empty_like(gates[0])
    outputs = np.empty((steps, n_dir, batch, hidden), dtype=np.float32)
    sigmoid_part, candidate = gates[..., : 3 * hidden], gates[..., 3 * hidden :]
    input_gate, forget_gate, output_gate = (gates[..., k * hidden : (k + 1) * hidden] for k in range(3))
    for t in range(steps):
        if dense is not None:
            state[..., hidden:] = dense[t]
        np.matmul(state, weights, out=gates)
        for table, channel in zip(tables, ids, strict=True):
            for d in range(n_dir):
                np.take(table[d], channel[t, d], axis=0, out=looked_up, mode="clip")  # "raise" copies twice
                gates[d] += looked_up
        if bias is not None:
            gates += bias[:, None, :]
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


def viterbi(emissions: np.ndarray, lengths: np.ndarray, transitions: np.ndarray, start: np.ndarray,
            end: np.ndarray) -> np.ndarray:
    """The highest-scoring tag sequence of each row: emissions (B, T, C), lengths (B,), transitions (C, C) from
    -> to, start and end (C,) -> tags (B, T), 0 at padded steps."""
    batch, steps, _ = emissions.shape
    score = start + emissions[:, 0]  # (B, C)
    backpointers = np.empty((steps, batch, emissions.shape[2]), dtype=np.int64)
    for t in range(1, steps):
        candidates = score[:, :, None] + transitions  # (B, C_from, C_to)
        backpointers[t] = candidates.argmax(1)
        best = np.take_along_axis(candidates, backpointers[t][:, None, :], 1)[:, 0]
        score = np.where((t < lengths)[:, None], best + emissions[:, t], score)
    tag = (score + end).argmax(1)  # (B,) the last tag of each row
    tags = np.zeros((batch, steps), dtype=np.int64)
    for t in range(steps - 1, -1, -1):
        active = t < lengths  # steps past a row's end keep its last tag until its end is reached
        tags[:, t] = np.where(active, tag, 0)
        if t > 0:
            tag = np.where(active, backpointers[t][np.arange(batch), tag], tag)
    return tags
