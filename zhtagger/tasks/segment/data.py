"""Segmentation data as flat arrays: encoded sentences, training pieces and batches."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from zhtagger.optional import require
from zhtagger.text.corpus import split_long
from zhtagger.text.tags import joint_tags, words_to_tags
from zhtagger.text.vocab import UNKNOWN_ID

if TYPE_CHECKING:
    import torch

    from zhtagger.core.training import Batch


@dataclass
class Encoded:
    """Many sentences as flat arrays: ``ids`` (N_chars, K) input channels, ``tags`` (N_chars,), and
    ``offsets`` (N_sentences + 1,) where sentence i spans ``offsets[i]:offsets[i + 1]``; optionally
    ``allowed`` (N_chars, 4) bool, the tags each character may take when decoding; for training,
    ``unknown`` (N_chars,) float, the chance that a character's bigram (channel 1) is read as unknown in an
    epoch (see SegmenterConfig.bigram_unk)."""

    ids: np.ndarray
    tags: np.ndarray
    offsets: np.ndarray
    allowed: np.ndarray | None = None
    unknown: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def padded(self, array: np.ndarray, rows: np.ndarray, fill) -> np.ndarray:
        """``array`` (N_chars, ...) gathered for the given sentences and padded: (B, T, ...)."""
        lengths = self.lengths()[rows]
        steps = int(lengths.max())
        positions = self.offsets[rows][:, None] + np.arange(steps)[None, :]  # (B, T)
        valid = np.arange(steps)[None, :] < lengths[:, None]
        gathered = array[np.where(valid, positions, 0)]
        return np.where(valid.reshape(valid.shape + (1,) * (array.ndim - 1)), gathered, fill)

    def batch(self, rows: np.ndarray, ids: np.ndarray | None = None) -> Batch:
        """Padded training batch of the given sentences: inputs (B, T, K) (from ``ids`` when given, else
        ``self.ids``), targets (B, T), lengths (B,). Training only: torch is imported here, not by predicting."""
        import torch

        from zhtagger.core.training import Batch

        ids = self.ids if ids is None else ids
        inputs, targets = self.padded(ids, rows, 0), self.padded(self.tags, rows, 0)  # (B, T, K), (B, T)
        return Batch(torch.from_numpy(inputs), torch.from_numpy(targets), torch.from_numpy(self.lengths()[rows]))

    def batches(self, batch_size: int, generator: torch.Generator, rows: np.ndarray | None = None) -> list[Batch]:
        """One shuffled epoch of training batches of similar lengths (see :func:`length_bucketed`) of the given
        sentences (default: all), with bigrams read as unknown at random when ``unknown`` is set."""
        import torch

        from zhtagger.core.training import length_bucketed

        ids = self.ids
        if self.unknown is not None:
            draws = torch.rand(len(self.unknown), generator=generator, dtype=torch.float64).numpy()
            ids = ids.copy()
            ids[draws < self.unknown, 1] = UNKNOWN_ID
        rows = np.arange(len(self)) if rows is None else rows
        chosen = length_bucketed(self.lengths()[rows], batch_size, generator)
        return [self.batch(rows[batch], ids) for batch in chosen]

    def prediction_batches(self, batch_chars: int) -> Iterator[PredictionBatch]:
        """Batches covering every non-empty sentence, longest first, each holding about ``batch_chars`` padded
        characters."""
        lengths = self.lengths()
        order = np.argsort(-lengths, kind="stable")
        order = order[lengths[order] > 0]
        start = 0
        while start < len(order):
            size = max(1, batch_chars // int(lengths[order[start]]))
            rows = order[start : start + size]
            allowed = None if self.allowed is None else self.padded(self.allowed, rows, True)
            yield PredictionBatch(rows, self.padded(self.ids, rows, 0), lengths[rows], allowed)
            start += size


@dataclass
class PredictionBatch:
    """Sentences to tag, as numpy arrays: the network gets ``inputs`` and ``lengths`` as tensors, the decoder
    ``lengths`` and ``allowed`` as they are."""

    rows: np.ndarray  # (B,) sentence numbers in the Encoded
    inputs: np.ndarray  # (B, T, K) input ids, 0 at padding
    lengths: np.ndarray  # (B,)
    allowed: np.ndarray | None  # (B, T, 4) bool, the tags each character may take


def training_pieces(sentences: list[list[str]], pos: list[list[str]] | None, max_chars: int
                    ) -> tuple[list[list[str]], list[list[str]] | None, list[int]]:
    """Sentences cut at punctuation into pieces of at most ``max_chars`` characters: (pieces, their POS tags
    or None, the sentence number of each piece)."""
    pieces, piece_pos, piece_sentence = [], [], []
    for number, sentence in enumerate(sentences):
        start = 0
        for piece in split_long(sentence, max_chars):
            pieces.append(piece)
            piece_sentence.append(number)
            if pos is not None:
                piece_pos.append(pos[number][start : start + len(piece)])
            start += len(piece)
    return pieces, None if pos is None else piece_pos, piece_sentence


def training_tags(pieces: Sequence[Sequence[str]], pos: Sequence[Sequence[str]] | None,
                  pos_tags: Sequence[str]) -> list[list[int]]:
    """BMES tag ids of each piece's characters, or with ``pos`` (a tag per word) the joint (BMES, POS) ids."""
    if pos is None:
        return [words_to_tags(words) for words in pieces]
    pos_index = {tag: number for number, tag in enumerate(pos_tags)}
    return [joint_tags(words, row, pos_index) for words, row in zip(pieces, pos, strict=True)]


def encode_training(encode: Callable[..., Encoded], pieces: list[list[str]], pos: list[list[str]] | None,
                    pos_tags: Sequence[str], cache_key: Sequence[str] = (),
                    cache_dir: str | os.PathLike | None = None) -> Encoded:
    """Training pieces -> ids (``encode(texts, tags)``, a segmenter's :meth:`encode`) and their tags.

    With ``cache_dir``, the encoding goes through a batched ``datasets.Dataset.map`` kept there as an Arrow
    file named by a hash of the text and ``cache_key`` (the vocabularies and input features), and reused when
    all of them are the same.
    """
    if cache_dir is None:
        return encode(["".join(words) for words in pieces], training_tags(pieces, pos, pos_tags))
    datasets = require("datasets", "the encoded-corpus cache (cache_dir, --cache-dir)")

    def encode_batch(batch: dict) -> dict:
        tags = training_tags(batch["words"], batch.get("pos"), pos_tags)
        encoded = encode(["".join(words) for words in batch["words"]], tags)
        return {"ids": np.split(encoded.ids, encoded.offsets[1:-1]), "tags": tags}

    columns = {"words": pieces} if pos is None else {"words": pieces, "pos": pos}
    key = hashlib.sha1()
    for part in (*cache_key, *("\n".join(" ".join(row) for row in column) for column in columns.values())):
        key.update(part.encode("utf-8"))
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    bars_were_on = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # our own bars report training; restored below
    try:
        # an explicit fingerprint spares datasets from hashing the closure, network weights and all
        dataset = datasets.Dataset.from_dict(columns).map(
            encode_batch, batched=True, batch_size=2000, remove_columns=list(columns),
            new_fingerprint=key.hexdigest(), cache_file_name=str(Path(cache_dir) / f"segment-{key.hexdigest()}.arrow"))
    finally:
        if bars_were_on:
            datasets.enable_progress_bars()
    tags = dataset.data.column("tags").combine_chunks()
    ids = dataset.data.column("ids").combine_chunks().flatten().flatten()  # (T * K,) row-major
    lengths = tags.value_lengths().to_numpy().astype(np.int64)
    flat_tags = tags.flatten().to_numpy().astype(np.int64)
    channels = len(ids) // max(len(flat_tags), 1)
    return Encoded(ids.to_numpy().astype(np.int64).reshape(-1, channels), flat_tags,
                   np.concatenate([[0], np.cumsum(lengths)]))
