"""The shared core's forward pass in numpy: the same maths on the same weights as :class:`SequenceTagger`, for
inference without torch.

The work is split as cuDNN splits it: the input projections ``W_ih x_t + b`` are found before the loop over
time, so that each step only multiplies ``h`` by ``W_hh``, adds and squashes. Rewrites make it cheaper than a
literal port, all exact in arithmetic (floating-point rounding differs in the last bits; tests/test_light.py
measures the agreement):

- the first layer's input projection ``W_ih @ [e_1; e_2; ...] + b`` depends only on the ids a character has
  in each channel (character, bigram, lexicon feature...). Each channel's share ``W_ih^k @ e_k`` is computed
  once per id and kept (see :class:`IdChannel`; columns whose vocabularies multiply to a few million ids
  joined into one, and columns of which one decides the others read as one, see :class:`GatheredRows`), and
  each step looks up and adds its rows' shares (this beat summing them once per distinct combination of ids in
  a batch: 4-5% faster, and no batch-sized tables); the shipped models look up one row a step and direction;
- ``sigmoid(z) = (tanh(z / 2) + 1) / 2``, so with the input, forget and output gates' weights halved at load,
  one ``tanh`` over all four gates serves them all;
- a step's gates are summed row by row (``h @ W_hh`` and the looked-up rows, each id's 4H values
  contiguous) and the one ``tanh`` writes them gate-major: each gate's values for all rows together, so the
  cell's arithmetic on one gate reads and writes contiguous memory (a strided slice costs three times as
  much; adding the rows to gate-major sums cost more than the transposing ``tanh``: 9% of the recurrence);
- both directions of a layer run in one loop over time, stacked, so each step is one batched matrix product
  and a few array operations; rows go longest first, so the rows still going at a step are a prefix and no
  work is spent on padding.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import numpy as np

from zhtagger.core.config import Direction, Merge, TaggerConfig
from zhtagger.core.threads import BLAS_THREADS

TABLE_BYTES = 128 * 2**20  # the most memory an id channel's kept projections take (only rows written count):
# what the characters' and the bigrams' channels took together before they were read as one; ids past it are
# projected in each batch that has them
LOAD_BYTES = 16 * 2**20  # an id channel whose projections all take at most this is computed whole at load
JOINT_IDS = 2**21  # input columns whose vocabularies multiply to at most this are looked up as one channel


class LightTagger:
    """Embeddings or features -> LSTM layers -> Linear at every step, in numpy (float32), inference only.

    ``weights`` are the tensors of a :class:`SequenceTagger`'s ``state_dict`` as arrays, under the same names
    (without a task's prefix such as ``core.``).
    """

    def __init__(self, config: TaggerConfig, weights: Mapping[str, np.ndarray],
                 embeddings: list[np.ndarray | GatheredRows] | None = None) -> None:
        self.config = config
        self.arrays = dict(weights)  # as given, to save them again
        # embeddings stay as stored (float16 in shipped models: half the memory); rows become float32 when used.
        # Given, they replace the weights' tables (columns read as one: see GatheredRows)
        self.embeddings = embeddings or [np.asarray(weights[f"embeddings.{k}.weight"])
                                         for k in range(len(config.vocab_sizes))]
        w = {name: np.asarray(array, dtype=np.float32) for name, array in weights.items()
             if not name.startswith("embeddings.")}
        directions = [d for d in ("forward", "backward") if config.direction in (Direction(d), Direction.BIDIRECTIONAL)]
        self.backward = [d == "backward" for d in directions]
        self.layers = [LightLayer(w, f"lstm.{layer}", directions, config.hidden) for layer in range(config.layers)]
        self.output_weight = np.ascontiguousarray(w["output.weight"].T)  # (H or 2H, C)
        self.output_bias = w["output.bias"]
        self.direction_weights = direction_weights(self.output_weight, len(directions), config.merge)
        self.channels = self.layers[0].id_channels(self.embeddings)

    def __call__(self, x: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
        """x: (B, T[, K or F]); lengths: (B,) or None when nothing is padded -> outputs (B, T, C); outputs at
        padded steps are meaningless."""
        with BLAS_THREADS.limited():
            return self.forward(x, lengths)

    def forward(self, x: np.ndarray, lengths: np.ndarray | None) -> np.ndarray:
        batch, steps = x.shape[:2]
        lengths = np.full(batch, steps, dtype=np.int64) if lengths is None else np.asarray(lengths)
        longest_first = np.argsort(-lengths, kind="stable")
        reordered = not (longest_first == np.arange(batch)).all()  # batches of a segmenter come in this order
        if reordered:
            x, lengths = x[longest_first], lengths[longest_first]
        going = (lengths[None, :] > np.arange(steps)[:, None]).sum(1)  # (T,) rows still going at each step
        orders = [reading_order(lengths, steps) if backward else None for backward in self.backward]
        if self.channels:
            states = self.layers[0].run_ids(x[..., None] if x.ndim == 2 else x, self.channels, orders, going)
        else:
            states = self.layers[0].run(x.astype(np.float32), orders, going)
        for layer in self.layers[1:]:
            states = layer.run(merge(in_text_order(states, orders), self.config.merge), orders, going)
        if not reordered:
            return self.output(states, orders)
        outputs = np.empty((batch, steps, len(self.output_bias)), dtype=np.float32)
        outputs[longest_first] = self.output(states, orders)
        return outputs  # (B, T, C)

    def output(self, states: np.ndarray, orders: list[np.ndarray | None]) -> np.ndarray:
        """The output layer on the last layer's states (n_dir, T, B, H), each direction's in its reading order
        -> (B, T, C) in text order. The layer is linear, so each direction's states are projected first and
        put in text order as C values a step instead of H (unless the directions are multiplied)."""
        if self.direction_weights is None:
            return merge(in_text_order(states, orders), self.config.merge) @ self.output_weight + self.output_bias
        _, steps, batch, hidden = states.shape
        total = self.output_bias
        for direction, (weight, positions) in enumerate(zip(self.direction_weights, orders, strict=True)):
            projected = (states[direction].reshape(-1, hidden) @ weight).reshape(steps, batch, -1)
            total = total + read_steps(projected.transpose(1, 0, 2), positions)
        return total


class GatheredRows:
    """An embedding table whose row i is ``tables[0][indexes[0][i]]``, ``tables[1][indexes[1][i]]``, ... side
    by side, made when asked for: input columns of which one decides the others read as one column (a bigram
    and the character it begins, see :meth:`~zhtagger.tasks.engine.LightTagNet.fold_bigrams`), without their
    joint table in memory."""

    def __init__(self, tables: list[np.ndarray], indexes: list[np.ndarray]) -> None:
        self.tables, self.indexes = tables, indexes
        self.shape = (len(indexes[0]), sum(table.shape[1] for table in tables))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        return np.concatenate([table[index[rows]] for table, index in zip(self.tables, self.indexes, strict=True)],
                              axis=-1)


class IdChannel:
    """One lookup's share of the first layer's input projection: the ids of one input column, or of a few
    joined (see :func:`joined_columns`), each id ``sum_k embeddings_k[digit_k] @ weight_k (+ bias)`` for each
    direction, where ``parts`` are the columns' (embeddings (V_k, E_k), weight (n_dir, E_k, 4H)) and an id is
    the mixed-radix number of the columns' ids. Each id's projection is computed the first time a batch has it
    and kept, up to TABLE_BYTES of them (all at load when they take at most LOAD_BYTES): pku's folded column
    with its lexicon feature would take 1.2 GB as a full table, while the ids a text uses are far fewer (45k in
    the PKU test text: 45 MB) and their rows are the only memory the kept table touches. Rows are kept whole (an id's 4H
    values together, in the layer's gate order): a step reads an id's row at once, which beat gate-major blocks
    (eight places)."""

    def __init__(self, parts: list[tuple[np.ndarray, np.ndarray]], columns: tuple[int, ...],
                 bias: np.ndarray | None = None) -> None:
        n_dir, _, width = parts[0][1].shape
        self.parts, self.columns, self.bias = parts, columns, bias
        self.radices = [embeddings.shape[0] for embeddings, _ in parts]
        self.size = int(np.prod(self.radices))
        capacity = min(self.size, TABLE_BYTES // (n_dir * width * 4))
        # (n_dir, rows, 4H): the rows written are a prefix of each direction's block, the only memory taken
        self.table = np.empty((n_dir, capacity, width), dtype=np.float32)
        self.slots = np.full(self.size, -1, dtype=np.int32)  # each id's row in the table; -1: not computed
        self.used = 0  # rows of the table written
        self._lock = threading.Lock()
        if self.size * n_dir * width * 4 <= LOAD_BYTES:
            self.keep(np.arange(self.size))

    def __getstate__(self) -> dict:
        """Pickled without the lock (and so without what a copy can recompute)."""
        return {"parts": self.parts, "columns": self.columns, "bias": self.bias}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    def ids_of(self, inputs: np.ndarray) -> np.ndarray:
        """Input ids (..., K) -> this channel's ids (...)."""
        ids = inputs[..., self.columns[0]].astype(np.int64)
        for column, radix in zip(self.columns[1:], self.radices[1:], strict=True):
            ids = ids * radix + inputs[..., column]
        return ids

    def computed(self, ids: np.ndarray) -> np.ndarray:
        """The projections of ``ids`` (U,), computed now: (n_dir, U, 4H)."""
        total = 0 if self.bias is None else self.bias[:, None]
        for (embeddings, weight), radix in reversed(list(zip(self.parts, self.radices, strict=True))):
            ids, digits = np.divmod(ids, radix)
            total = total + embeddings[digits].astype(np.float32) @ weight
        return total

    def keep(self, ids: np.ndarray) -> None:
        """Compute and keep the projections of distinct ``ids`` not kept yet, as far as the table has room.
        A row is written before its id's slot says so, so a thread reading slots never sees an unwritten row."""
        with self._lock:
            ids = ids[self.slots[ids] < 0][: self.table.shape[1] - self.used]
            if len(ids):
                start, self.used = self.used, self.used + len(ids)
                self.table[:, start : self.used] = self.computed(ids)
                self.slots[ids] = np.arange(start, self.used)

    def rows_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The projections of ``ids`` (any shape) as rows of a table: (the table (n_dir, R, 4H), each id's row
        number). The kept table, once it holds them all (as far as it has room); else one made now for
        these ids alone."""
        slots = self.slots[ids]
        if (slots < 0).any():
            self.keep(np.unique(ids[slots < 0]))
            slots = self.slots[ids]
        if (slots >= 0).all():
            return self.table, slots  # rows other threads add meanwhile are never ones these slots name
        distinct, rows = np.unique(ids, return_inverse=True)
        kept = self.slots[distinct]
        table = np.empty((self.table.shape[0], len(distinct), self.table.shape[2]), dtype=np.float32)
        table[:, kept >= 0] = self.table[:, kept[kept >= 0]]
        table[:, kept < 0] = self.computed(distinct[kept < 0])  # no room left for them
        return table, rows.reshape(ids.shape)


class LightLayer:
    """One LSTM layer in one or both directions; gates reordered (i, f, o, g) and i, f, o halved (see the
    module's docstring)."""

    def __init__(self, w: Mapping[str, np.ndarray], prefix: str, directions: list[str], hidden: int) -> None:
        order = np.concatenate([np.arange(0, 2 * hidden), np.arange(3 * hidden, 4 * hidden),
                                np.arange(2 * hidden, 3 * hidden)])  # torch's i, f, g, o -> i, f, o, g
        scale = np.ones(4 * hidden, dtype=np.float32)
        scale[: 3 * hidden] = 0.5
        self.input_weight = np.stack([w[f"{prefix}.{d}_lstm.weight_ih_l0"][order].T * scale
                                      for d in directions])  # (n_dir, input_size, 4H)
        self.recurrent = np.stack([w[f"{prefix}.{d}_lstm.weight_hh_l0"][order].T * scale
                                   for d in directions])  # (n_dir, H, 4H)
        self.bias = np.stack([(w[f"{prefix}.{d}_lstm.bias_ih_l0"] + w[f"{prefix}.{d}_lstm.bias_hh_l0"])[order]
                              * scale for d in directions])  # (n_dir, 4H)

    def id_channels(self, embeddings: list[np.ndarray]) -> list[IdChannel]:
        """The input weights split by the input columns (embedding tables) they read, columns with small
        vocabularies joined (see :func:`joined_columns`); none for dense inputs. The first channel's
        projections include the bias."""
        starts = np.cumsum([0] + [table.shape[1] for table in embeddings])
        parts = [(table, self.input_weight[:, starts[k] : starts[k + 1]]) for k, table in enumerate(embeddings)]
        groups = joined_columns([len(table) for table in embeddings])
        return [IdChannel([parts[k] for k in group], group, self.bias if number == 0 else None)
                for number, group in enumerate(groups)]

    def run_ids(self, ids: np.ndarray, channels: list[IdChannel], orders: list[np.ndarray | None],
                going: np.ndarray) -> np.ndarray:
        """Ids (B, T, K), rows longest first -> the states (n_dir, T, B, H), each direction's in its reading
        order."""
        sources = [channel.rows_of(channel.ids_of(ids)) for channel in channels]
        steps_rows = [np.stack([read_steps(rows, positions).T for positions in orders], axis=1)  # (T, n_dir, B)
                      for _, rows in sources]
        tables = [table for table, _ in sources]
        return run_cells(self.recurrent, going, tables=tables, ids=steps_rows)

    def run(self, inputs: np.ndarray, orders: list[np.ndarray | None], going: np.ndarray) -> np.ndarray:
        """Dense inputs (B, T, D), rows longest first -> the states (n_dir, T, B, H), each direction's in its
        reading order."""
        projected = np.stack([read_steps(inputs, positions).transpose(1, 0, 2) @ self.input_weight[d] + self.bias[d]
                              for d, positions in enumerate(orders)], axis=1)  # (T, n_dir, B, 4H)
        return run_cells(self.recurrent, going, projected=projected)


def joined_columns(sizes: list[int]) -> list[tuple[int, ...]]:
    """Input columns looked up together: the smallest vocabularies joined while the product of their sizes is at
    most JOINT_IDS, each larger one on its own (pku's characters-and-bigrams column with its lexicon feature:
    1.2M ids, of which the PKU test text has 45k; each lookup a step fewer was 4-9% faster)."""
    groups: list[tuple[int, ...]] = []
    group, product = (), 1
    for column in sorted(range(len(sizes)), key=sizes.__getitem__):
        if group and product * sizes[column] > JOINT_IDS:
            groups.append(group)
            group, product = (), 1
        group, product = group + (column,), product * sizes[column]
    return groups + [group] if group else groups


def in_text_order(states: np.ndarray, orders: list[np.ndarray | None]) -> list[np.ndarray]:
    """States (n_dir, T, B, H) in each direction's reading order -> (B, T, H) per direction, in text order."""
    return [read_steps(states[d].transpose(1, 0, 2), positions) for d, positions in enumerate(orders)]


def read_steps(array: np.ndarray, positions: np.ndarray | None) -> np.ndarray:
    """(B, T, ...) -> the same read in the order ``positions`` (B, T) gives (None: as it is). Reading orders
    are their own inverses, so this also puts a direction's outputs back in text order."""
    if positions is None:
        return array
    return array[np.arange(array.shape[0])[:, None], positions]


def reading_order(lengths: np.ndarray, steps: int) -> np.ndarray:
    """(B, T) positions read at each step by a direction going backwards within each row's length; padding
    keeps its place (the numpy twin of :func:`zhtagger.core.model.reverse_padded`, and its own inverse)."""
    positions = np.broadcast_to(np.arange(steps), (len(lengths), steps))
    mirrored = lengths[:, None] - 1 - positions
    return np.where(mirrored >= 0, mirrored, positions)


def run_cells(recurrent: np.ndarray, going: np.ndarray, tables: list[np.ndarray] | None = None,
              ids: list[np.ndarray] | None = None, projected: np.ndarray | None = None) -> np.ndarray:
    """The LSTM recurrence, gates (i, f, o, g) with the first three pre-halved: at step t the gates are
    ``h @ recurrent`` (n_dir, H, 4H) plus the input projection, either the sum over id channels k of the rows
    ``ids[k][t]`` (n_dir, B) of ``tables[k]`` (n_dir, R_k, 4H) or ``projected[t]`` (n_dir, B, 4H). Rows go
    longest first and ``going[t]`` of them are still going at step t; the others' states stay 0. Returns the
    hidden states (n_dir, T, B, H)."""
    n_dir, hidden = recurrent.shape[0], recurrent.shape[1]
    steps, batch = len(going), (ids[0].shape[2] if ids is not None else projected.shape[2])
    outputs = np.zeros((n_dir, steps + 1, batch, hidden), dtype=np.float32)  # step 0 holds the initial state
    cells = StepArrays(n_dir, batch, hidden)
    # one lookup a channel for both directions: direction d's rows come after the others' in its table
    lookups = [(table.reshape(-1, table.shape[2]), rows + (np.arange(n_dir) * table.shape[1])[None, :, None])
               for table, rows in zip(tables or (), ids or (), strict=True)]
    for t in range(steps):
        n = going[t]
        sums, term, transposed, gates, sigmoids, cell, candidate = cells.of(n)
        np.matmul(outputs[:, t, :n], recurrent, out=sums)
        for rows, steps_rows in lookups:
            rows.take(steps_rows[t, :, :n], axis=0, out=term, mode="clip")  # "raise" copies twice
            sums += term
        if projected is not None:
            sums += projected[t, :, :n]
        np.tanh(transposed, out=gates)  # gate-major from here
        sigmoids *= 0.5
        sigmoids += 0.5
        cell *= gates[:, 1]  # forget
        np.multiply(gates[:, 0], gates[:, 3], out=candidate)  # input * candidate
        cell += candidate
        np.tanh(cell, out=candidate)
        np.multiply(gates[:, 2], candidate, out=outputs[:, t + 1, :n])  # output
    return outputs[:, 1:]


class StepArrays:
    """The arrays a step of :func:`run_cells` works in, for the rows still going: views of buffers made once,
    and made again only when fewer rows go on (a step's Python overhead is a good part of its time)."""

    def __init__(self, n_dir: int, batch: int, hidden: int) -> None:
        self.shape = n_dir, batch, hidden
        # a step's sums, a looked-up term and the gates are contiguous arrays at the start of these buffers
        self.buffers = np.empty((3, n_dir * batch * 4 * hidden), dtype=np.float32)
        self.cell = np.zeros((n_dir, batch, hidden), dtype=np.float32)
        self.squashed = np.empty_like(self.cell)
        self.rows, self.views = -1, ()

    def of(self, rows: int) -> tuple[np.ndarray, ...]:
        """(sums and term (n_dir, rows, 4H), the sums as gate-major (n_dir, 4, rows, H), the gates (n_dir, 4,
        rows, H), their first three, cell states and a scratch array (n_dir, rows, H))."""
        if rows != self.rows:
            n_dir, _, hidden = self.shape
            size = n_dir * rows * 4 * hidden
            sums, term, gates = (buffer[:size] for buffer in self.buffers)
            sums = sums.reshape(n_dir, rows, 4 * hidden)
            gates = gates.reshape(n_dir, 4, rows, hidden)
            self.rows = rows
            self.views = (sums, term.reshape(sums.shape), sums.reshape(n_dir, rows, 4, hidden).transpose(0, 2, 1, 3),
                          gates, gates[:, :3], self.cell[:, :rows], self.squashed[:, :rows])
        return self.views


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


def direction_weights(weight: np.ndarray, n_dir: int, mode: Merge) -> list[np.ndarray] | None:
    """The output weight (H or 2H, C) as each direction's share when the merge is linear (a direction's states
    times its share, summed, is the merged states times the weight); None for ``mul``."""
    if n_dir == 1:
        return [weight]
    if mode is Merge.CONCAT:
        return np.split(weight, 2)
    if mode is Merge.SUM:
        return [weight, weight]
    if mode is Merge.AVE:
        return [weight / 2, weight / 2]
    return None


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
