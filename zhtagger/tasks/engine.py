"""What every task's engines share: the decoders' names, the choice between the numpy and torch engines, and
the numpy network (the shared core plus CRF tables) with a tag scheme's rules as scores."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from enum import Enum
from itertools import chain, islice
from typing import TypeVar

import numpy as np

from zhtagger.core.config import TaggerConfig
from zhtagger.core.light import GatheredRows, LightTagger, strip_prefix
from zhtagger.text.tags import IMPOSSIBLE

CrfTables = tuple[np.ndarray, np.ndarray, np.ndarray]  # transitions (C, C), start (C,), end (C,), rules added
T = TypeVar("T")
_in_pool = threading.local()  # set in the threads run_in_order starts: a job that calls it again runs inline


class Decoder(str, Enum):
    GREEDY = "greedy"  # the best tag per character, rules ignored
    VITERBI = "viterbi"  # the best sequence the tag scheme allows, under the softmax probabilities
    CRF = "crf"  # learned transitions (trained with the CRF likelihood), rules enforced


class LightTagNet:
    """A task's network (the shared core, and a CRF when it has one) for inference, in numpy (float32): the
    numpy twin of a segmenter's ``SegmenterNet`` or a tagger's ``TagNet``; ``rules`` are the tag scheme's."""

    def __init__(self, core_config: TaggerConfig, weights: Mapping[str, np.ndarray], rules) -> None:
        self.config = core_config
        self.arrays = dict(weights)
        self.core = LightTagger(core_config, strip_prefix(weights, "core."))
        self.folded: tuple[int, int, np.ndarray] | None = None  # see fold_bigrams
        crf = strip_prefix(weights, "crf.")
        rules = rule_scores(rules)
        self.crf = (tuple(crf[name].astype(np.float32) + rule for name, rule in
                          zip(("transitions", "start", "end"), rules, strict=True)) if crf else None)

    def logits(self, inputs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Input ids (B, T, K), lengths (B,) -> the core's outputs (B, T, 4 * n_pos)."""
        if self.folded is not None:  # characters and bigrams (columns 0 and 1) as one column
            n_bigrams, n_chars, rank = self.folded
            chars, bigram_ids = inputs[..., 0], inputs[..., 1]
            unmapped = rank[bigram_ids]
            folded = np.where(unmapped < 0, bigram_ids, n_bigrams + unmapped * n_chars + chars)
            inputs = np.concatenate([folded[..., None], inputs[..., 2:]], axis=-1)
        return self.core(inputs, lengths)

    def fold_bigrams(self, first_chars: np.ndarray) -> None:
        """Read the character and bigram columns (0 and 1) as one: a bigram decides the character it begins
        (``first_chars[b]``, the character id of bigram id ``b``; -1 where an id stands for no bigram: padding,
        unknown, whose rows are then one per character). Same outputs, one lookup a step fewer in the core
        (its projections are kept per id of the folded column; 5-9% faster on the PKU test text)."""
        weights = strip_prefix(self.arrays, "core.")
        chars, bigrams = weights["embeddings.0.weight"], weights["embeddings.1.weight"]
        unmapped = np.flatnonzero(first_chars < 0)
        rank = np.full(len(bigrams), -1)
        rank[unmapped] = np.arange(len(unmapped))
        char_of = np.concatenate([np.maximum(first_chars, 0), np.tile(np.arange(len(chars)), len(unmapped))])
        bigram_of = np.concatenate([np.arange(len(bigrams)), np.repeat(unmapped, len(chars))])
        tables = [GatheredRows([chars, bigrams], [char_of, bigram_of])] + [
            np.asarray(weights[f"embeddings.{k}.weight"]) for k in range(2, len(self.config.vocab_sizes))]
        config = replace(self.config, vocab_sizes=tuple(map(len, tables)),
                         embedding_dims=tuple(table.shape[1] for table in tables))
        self.core = LightTagger(config, weights, tables)
        self.folded = len(bigrams), len(chars), rank

    def crf_tables(self) -> CrfTables | None:
        return self.crf

    def weights(self) -> dict[str, np.ndarray]:
        return self.arrays


def rule_scores(rules) -> CrfTables:
    """A scheme's rules (allowed transitions, starts, ends) as additive scores: 0 if allowed, else IMPOSSIBLE."""
    return tuple(np.where(np.array(table), 0.0, IMPOSSIBLE).astype(np.float32) for table in rules)


def choose_engine(engine: str, device: str, precision: str) -> str:
    """``engine`` itself, or for "auto": numpy (no torch imported, float32) on the CPU unless bfloat16 is asked
    for; torch for a GPU or bfloat16."""
    if engine not in ("auto", "numpy", "torch"):
        raise ValueError(f"engine must be auto, numpy or torch; got {engine!r}")
    if precision not in ("auto", "float32", "bfloat16"):
        raise ValueError(f"precision must be auto, float32 or bfloat16; got {precision!r}")
    if engine == "numpy" and (str(device) != "cpu" or precision not in ("auto", "float32")):
        raise ValueError("the numpy engine runs on the CPU in float32; use engine='torch' for other settings")
    if engine != "auto":
        return engine
    return "torch" if str(device) != "cpu" or precision == "bfloat16" else "numpy"


def inference_dtype(precision: str, device: str):
    """The torch dtype of a precision :func:`choose_engine` has accepted."""
    import torch

    if precision == "auto":
        native = str(device).startswith("cpu") and torch.ops.mkldnn._is_mkldnn_bf16_supported()
        return torch.bfloat16 if native else torch.float32
    return getattr(torch, precision)


def run_in_order(jobs: Iterable[Callable[[], T]], threads: int) -> Iterator[T]:
    """The results of ``jobs`` in their order, computed up to ``threads`` at a time in threads of their own
    (at most two a thread started ahead of the one handed on, so memory stays bounded). A single job, one
    thread, or a job of a job already in such a thread runs in the calling thread."""
    jobs = iter(jobs)
    started = list(islice(jobs, 2)) if threads > 1 and not getattr(_in_pool, "active", False) else []
    if len(started) < 2:
        yield from (job() for job in chain(started, jobs))
        return
    with ThreadPoolExecutor(threads, initializer=setattr, initargs=(_in_pool, "active", True)) as pool:
        yield from (future.result() for future in ahead(map(pool.submit, chain(started, jobs)), 2 * threads))


def ahead(started: Iterable[T], limit: int) -> Iterator[T]:
    """The items of ``started`` in order, each handed on once ``limit`` are taken (or the rest are): work a
    pool starts as its items are taken is kept that far ahead of the consumer."""
    pending: deque = deque()
    for item in started:
        pending.append(item)
        if len(pending) >= limit:
            yield pending.popleft()
    yield from pending
