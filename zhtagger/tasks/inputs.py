"""What the character-level tasks (segmenting, tagging) share: texts as input ids (normalised characters,
their bigrams, dictionary-word features) in flat arrays and padded batches, embeddings pretrained on raw text,
and vocabularies grown for fine-tuning. Torch is imported only by the functions that train."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from zhtagger.modeldir import check_vocabulary_size, read_text_file
from zhtagger.tasks.engine import LightTagNet
from zhtagger.text.corpus import normalize
from zhtagger.text.vocab import (
    UNKNOWN_ID,
    Vocabulary,
    bigram_codes,
    bigrams,
    char_codes,
    first_chars,
    normalized_codes,
)

if TYPE_CHECKING:
    import torch

    from zhtagger.core.training import Batch

logger = logging.getLogger(__name__)

CHARS_FILE, BIGRAMS_FILE = "chars.txt", "bigrams.txt"
MIN_NEW_BIGRAM_COUNT = 2  # a bigram new to the model joins its vocabulary when the domain text has it this often


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
        gathered = array.take(np.where(valid, positions, 0), axis=0)  # take, then fill: a third of np.where's time
        gathered[~valid] = fill
        return gathered

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


def encode_texts(texts: Sequence[str], chars: Vocabulary, bigram_vocab: Vocabulary | None, lexicon=None,
                 tags: Sequence[Sequence[int]] | None = None) -> Encoded:
    """Texts -> flat input ids, a channel each: normalised characters, their bigrams (with ``bigram_vocab``),
    the :class:`~zhtagger.text.lexicon.Lexicon` features of the original text (with ``lexicon``); and tags."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    original = char_codes("".join(texts))
    codes = normalized_codes(original)  # normalising is character by character
    channels = [chars.code_ids(codes)]
    if bigram_vocab is not None:
        channels.append(bigram_vocab.code_ids(bigram_codes(codes, offsets)))
    if lexicon is not None:  # dictionary words are matched in the original text
        channels.append(lexicon.features_of_codes(original, offsets))
    flat_tags = (np.fromiter((t for row in tags for t in row), dtype=np.int64, count=int(offsets[-1]))
                 if tags is not None else np.zeros(int(offsets[-1]), dtype=np.int64))
    return Encoded(np.stack(channels, axis=1), flat_tags, offsets)


def read_vocabularies(path: Path, core_config: dict, bigram_dim: int, net) -> tuple[Vocabulary, Vocabulary]:
    """A character-level model directory's character and bigram vocabularies, checked against the sizes of its
    network's tables; a numpy network then reads the two columns as one (see
    :meth:`~zhtagger.tasks.engine.LightTagNet.fold_bigrams`)."""
    chars, bigram_vocab = (Vocabulary.from_text(read_text_file(path, name)) for name in (CHARS_FILE, BIGRAMS_FILE))
    check_vocabulary_size(path, CHARS_FILE, len(chars), core_config["vocab_sizes"][0])
    if bigram_dim:
        check_vocabulary_size(path, BIGRAMS_FILE, len(bigram_vocab), core_config["vocab_sizes"][1])
        if isinstance(net, LightTagNet):
            net.fold_bigrams(first_chars(chars, bigram_vocab))
    return chars, bigram_vocab


def pretrain_embeddings(model, texts: list[str], seed: int) -> None:
    """Skip-gram character and bigram vectors from ``texts`` into the embedding tables of ``model`` (a
    segmenter or a tagger: its ``net.core``, ``chars``, ``bigrams`` and ``config.bigram_dim``)."""
    from zhtagger.core.pretrain import initialise

    tables = model.net.core.embeddings
    streams = [model.chars.ids(normalize(text)) for text in texts]
    logger.info("pretrained %d character vectors", initialise(tables[0], streams, seed))
    if model.config.bigram_dim:
        streams = [model.bigrams.ids(bigrams(normalize(text))) for text in texts]
        logger.info("pretrained %d bigram vectors", initialise(tables[1], streams, seed))


def grow_vocabularies(model, char_counts: Counter, bigram_counts: Counter) -> dict[str, int]:
    """Add the characters of ``char_counts`` and the bigrams of ``bigram_counts`` seen at least
    MIN_NEW_BIGRAM_COUNT times that ``model`` (a segmenter or a tagger) lacks to its vocabularies, most frequent
    first; returns how many training characters it did not know, and how many characters and bigrams were
    added."""
    unknown = sum(count for char, count in char_counts.items() if char not in model.chars.index)
    added = {"unknown_characters": unknown, "training_characters": sum(char_counts.values()),
             "added_characters": grow(model, 0, model.chars,
                                      sorted(char_counts, key=lambda c: (-char_counts[c], c))), "added_bigrams": 0}
    if model.config.bigram_dim:
        new = sorted((b for b, n in bigram_counts.items() if n >= MIN_NEW_BIGRAM_COUNT),
                     key=lambda b: (-bigram_counts[b], b))
        added["added_bigrams"] = grow(model, 1, model.bigrams, new)
    logger.info("%(added_characters)d characters and %(added_bigrams)d bigrams added to the vocabularies", added)
    return added


def grow(model, channel: int, vocabulary: Vocabulary, tokens: list[str]) -> int:
    """Add the ``tokens`` missing from ``vocabulary`` (the segmenter's channel ``channel``) to it and to the
    network's embedding table, each new row a copy of the unknown token's; returns how many were added."""
    import torch
    from torch import nn

    new = [token for token in tokens if token not in vocabulary.index]
    if not new:
        return 0
    grown = Vocabulary(vocabulary.tokens[2:] + new)
    core = model.net.core
    old = core.embeddings[channel]
    table = nn.Embedding(len(grown), old.embedding_dim, padding_idx=0)
    with torch.no_grad():
        table.weight[: old.num_embeddings] = old.weight
        table.weight[old.num_embeddings :] = old.weight[UNKNOWN_ID]
    core.embeddings[channel] = table
    sizes = list(core.config.vocab_sizes)
    sizes[channel] = len(grown)
    core.config.vocab_sizes = tuple(sizes)
    if channel == 0:
        model.chars = grown
    else:
        model.bigrams = grown
    return len(new)
