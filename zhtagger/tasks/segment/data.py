"""Segmentation data as flat arrays: encoded sentences, training pieces and batches."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from zhtagger.optional import require
from zhtagger.tasks.inputs import Encoded, PredictionBatch, encode_texts  # noqa: F401 -- the segmenter's too
from zhtagger.text.corpus import split_long
from zhtagger.text.tags import joint_tags, words_to_tags


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
