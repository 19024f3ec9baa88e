"""Cloze data: sentences as words (gold-segmented, or raw text cut by a private jieba ``Tokenizer``), the
blank of a query, and training pieces as padded id arrays with the words to mask drawn afresh every epoch."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from zhtagger.tasks.cloze.config import ClozeConfig, Unit
from zhtagger.text.corpus import Format, read_corpus, read_text_lines
from zhtagger.text.vocab import Vocabulary

if TYPE_CHECKING:
    import torch

    from zhtagger.core.training import Batch

MASK = "<mask>"
MASK_ID = 2  # after <pad> and <unk>
BLANK = re.compile(r"_{2,}|＿+|\[MASK\]")


def is_punctuation(word: str) -> bool:
    """Words made of punctuation and symbols only: never masked, never the answer."""
    return all(unicodedata.category(ch)[0] in "PSZ" for ch in word)


def jieba_tokenizer():
    """A private jieba tokenizer (jieba's global one is the user's), quiet."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.Tokenizer()


def read_sentences(path: str | os.PathLike, format: Format | str | None = None, tokenizer=None) -> list[list[str]]:
    """Word lists of a training file: ``format`` words/pos/conll read gold words; None (raw text) cuts each
    line with jieba."""
    if format is not None:
        return read_corpus(path, format).sentences
    tokenizer = tokenizer or jieba_tokenizer()
    return [[w for w in tokenizer.cut(line) if w.strip()] for line in read_text_lines(path) if line.strip()]


def parse_blank(text: str) -> tuple[str, str]:
    """The text left and right of its one blank (``____``, ``＿＿`` or ``[MASK]``)."""
    blanks = list(BLANK.finditer(text))
    if not blanks:
        raise ValueError("no blank in the text: write the blank as ____ (ASCII or full-width underscores) or [MASK]")
    if len(blanks) > 1:
        raise ValueError(f"{len(blanks)} blanks in the text; a cloze fills one blank at a time, so leave one "
                         "and write the others' words in")
    return text[: blanks[0].start()], text[blanks[0].end() :]


@dataclass
class Masked:
    """Training pieces as padded id arrays; the words to predict are drawn afresh every epoch."""

    ids: np.ndarray  # (N, T) token ids, 0 = padding
    lengths: np.ndarray  # (N,)
    maskable: np.ndarray  # (N, T) bool: real tokens of non-punctuation words
    word_start: np.ndarray  # (N, T) the step where each token's word starts (words are masked whole)

    def batches(self, config: ClozeConfig, generator: torch.Generator) -> list[Batch]:
        """One epoch of training batches, the words to predict drawn afresh. Training only: torch is imported
        here, not by predicting."""
        import torch

        from zhtagger.core.training import Batch, length_bucketed

        rng = np.random.default_rng(int(torch.randint(0, 2**31, (1,), generator=generator)))
        noise = np.take_along_axis(rng.random(self.ids.shape), self.word_start, 1)  # one draw a word
        noise = np.where(self.maskable, noise, 2.0)
        chosen = noise < config.mask_rate
        first = self.word_start[np.arange(len(noise)), noise.argmin(1)]  # at least one word a piece
        chosen |= (self.word_start == first[:, None]) & self.maskable & self.maskable.any(1, keepdims=True)
        targets = np.where(chosen, self.ids, 0)
        inputs = np.where(chosen, MASK_ID, self.ids)
        batches = []
        for rows in length_bucketed(self.lengths, config.batch_size, generator):
            steps = int(self.lengths[rows].max())
            batches.append(Batch(torch.from_numpy(inputs[rows, :steps]), torch.from_numpy(targets[rows, :steps]),
                                 torch.from_numpy(self.lengths[rows])))
        return batches


def encode_pieces(sentences: Iterable[Sequence[str]], tokens: Vocabulary, max_words: int,
                  unit: Unit = Unit.WORD) -> Masked:
    """Word lists cut into pieces of at most ``max_words`` words, as ids of the model's tokens (words or
    characters)."""
    pieces = [s[i : i + max_words] for s in sentences for i in range(0, len(s), max_words)]
    pieces = [p for p in pieces if any(not is_punctuation(w) for w in p)]
    if not pieces:
        raise ValueError("no training sentences with words to mask")
    sizes = [[len(w) if unit is Unit.CHAR else 1 for w in piece] for piece in pieces]  # tokens a word
    lengths = np.array([sum(size) for size in sizes], dtype=np.int64)
    ids = np.zeros((len(pieces), int(lengths.max())), dtype=np.int64)
    maskable = np.zeros(ids.shape, dtype=bool)
    word_start = np.zeros(ids.shape, dtype=np.int32)
    for row, (piece, size) in enumerate(zip(pieces, sizes, strict=True)):
        n = lengths[row]
        ids[row, :n] = tokens.ids([t for w in piece for t in unit_tokens(w, unit)])
        maskable[row, :n] = np.repeat([not is_punctuation(w) for w in piece], size)
        word_start[row, :n] = np.repeat(np.cumsum(size) - size, size)
    return Masked(ids, lengths, maskable, word_start)


def unit_tokens(word: str, unit: Unit) -> list[str]:
    return list(word) if unit is Unit.CHAR else [word]


def build_vocabulary(sentences: Iterable[Sequence[str]], config: ClozeConfig) -> tuple[Vocabulary, int]:
    """Tokens (words or characters) by frequency (after <pad>, <unk>, <mask>), and how many training types fell
    to <unk>."""
    counts = Counter(t for s in sentences for w in s for t in unit_tokens(w, config.unit))
    words = Vocabulary([MASK, *Vocabulary.build(counts, config.min_count, config.max_vocab).tokens[2:]])
    return words, len(counts) - (len(words) - 3)


def word_vocabulary(sentences: Sequence[Sequence[str]], config: ClozeConfig) -> Vocabulary:
    """The words of evaluation items (answers and distractors), whatever the model's unit."""
    return build_vocabulary(sentences, dataclasses.replace(config, unit=Unit.WORD))[0]
