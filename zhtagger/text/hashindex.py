"""A hash table of 64-bit integer keys, built and searched many keys at a time with numpy.

Vocabulary ids of character bigrams and the word-lexicon feature look up one key per character of the text;
sorting the keys to binary-search them costs O(n log n), this costs about two array passes. Open addressing
with linear probing: a key lives in the first free slot from its home slot on, so a search walks from the home
slot until it finds the key or an empty slot. The table is two to four times the number of keys, so searches
rarely go past the home slot; a table without values, twice that, in the memory values would take (a lexicon's
lookups took 60% longer at two to four times). Slots run on past the last home slot instead of wrapping round,
so keys inserted in the order of their home slots each take ``max(home, previous slot + 1)``: the whole table
is built in one pass.
"""

from __future__ import annotations

import numpy as np

EMPTY = np.uint64(2**64 - 1)  # marks a free slot; a key equal to it is refused
SPREAD = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of key * SPREAD pick the slot


class HashIndex:
    """Keys (integers in [0, 2**64 - 1)) -> values, or without values just membership."""

    def __init__(self, keys: np.ndarray, values: np.ndarray | None = None) -> None:
        keys = np.asarray(keys).astype(np.uint64)
        if np.any(keys == EMPTY):
            raise ValueError("a HashIndex key must be below 2**64 - 1")
        keys, first = np.unique(keys, return_index=True)  # the first value of a repeated key wins
        values = None if values is None else np.asarray(values, dtype=np.int64)[first]
        bits = max(4, len(keys).bit_length() + (1 if values is not None else 2))
        self.shift = np.uint64(64 - bits)
        by_home = np.argsort(self.home(keys), kind="stable")
        keys = keys[by_home]
        rank = np.arange(len(keys))
        slots = np.maximum.accumulate(self.home(keys) - rank) + rank if len(keys) else rank
        size = max(1 << bits, int(slots[-1]) + 1 if len(keys) else 0) + 1  # the last slot stays free: searches stop
        self.keys = np.full(size, EMPTY, dtype=np.uint64)
        self.keys[slots] = keys
        self.values = None
        if values is not None:
            self.values = np.zeros(size, dtype=np.int64)
            self.values[slots] = values[by_home]

    def __len__(self) -> int:
        return int(np.count_nonzero(self.keys != EMPTY))

    def home(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((keys * SPREAD) >> self.shift).astype(np.int64)

    def find(self, queries: np.ndarray) -> np.ndarray:
        """The slot of each query's key, or -1 where it is absent."""
        queries = np.asarray(queries, dtype=np.uint64)
        slots = self.home(queries)
        found = self.keys[slots]
        result = np.where(found == queries, slots, -1)
        pending = np.flatnonzero((found != queries) & (found != EMPTY))
        while len(pending):
            slots[pending] += 1
            found = self.keys[slots[pending]]
            hit = found == queries[pending]
            result[pending[hit]] = slots[pending[hit]]
            pending = pending[~hit & (found != EMPTY)]
        return result

    def get(self, queries: np.ndarray, default: int) -> np.ndarray:
        """The value of each query's key, ``default`` where it is absent."""
        if self.values is None:
            raise TypeError("this HashIndex was built without values: ask contains()")
        slots = self.find(queries)
        return np.where(slots >= 0, self.values[slots], default)

    def contains(self, queries: np.ndarray) -> np.ndarray:
        return self.find(queries) >= 0
