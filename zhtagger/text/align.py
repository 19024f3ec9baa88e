"""Moving a segmented corpus towards another segmentation standard, given that standard's word list."""

from __future__ import annotations

import logging
import math
import os
from collections import Counter
from collections.abc import Container, Mapping

from zhtagger.text.corpus import Corpus
from zhtagger.text.scoring import read_word_list

logger = logging.getLogger(__name__)


def split_into_vocabulary(word: str, vocabulary: Container[str], counts: Mapping[str, int]) -> list[str] | None:
    """The fewest words of ``vocabulary``, two or more, that make up ``word`` (ties: the split whose words are
    most frequent in ``counts``), or None when there is no such split."""
    # best[i]: (pieces, -sum of log counts) of the best split of word[:i], and where its last piece starts
    best: list[tuple[tuple[int, float], int] | None] = [((0, 0.0), 0)] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(end):
            piece = word[start:end]
            if best[start] is None or piece == word or piece not in vocabulary:
                continue
            (pieces, cost), _ = best[start]
            candidate = (pieces + 1, cost - math.log(counts.get(piece, 0) + 1))
            if best[end] is None or candidate < best[end][0]:
                best[end] = (candidate, start)
    if best[-1] is None:
        return None
    pieces, end = [], len(word)
    while end:
        start = best[end][1]
        pieces.append(word[start:end])
        end = start
    return pieces[::-1]


def align_to_vocabulary(corpus: Corpus, vocabulary: Container[str]) -> tuple[Corpus, Counter[str]]:
    """A copy of ``corpus`` in which every word outside ``vocabulary`` that is made of vocabulary words is split
    into them (:func:`split_into_vocabulary`): a corpus moved towards the segmentation standard whose word list
    ``vocabulary`` is. A split word's pieces get their own most common POS tag in the corpus (else the word's).
    Returns the copy and how often each word was split."""
    counts = Counter(word for sentence in corpus.sentences for word in sentence)
    rows = corpus.pos if corpus.pos is not None else [[""] * len(sentence) for sentence in corpus.sentences]
    tags_of: dict[str, Counter[str]] = {}
    for sentence, row in zip(corpus.sentences, rows, strict=True):
        for word, tag in zip(sentence, row, strict=True):
            tags_of.setdefault(word, Counter())[tag] += 1
    splits: dict[str, list[str] | None] = {}  # the words outside the vocabulary, and their pieces
    split_counts: Counter[str] = Counter()
    aligned = Corpus([], corpus.empty_lines, corpus.path, [] if corpus.pos is not None else None)
    for sentence, row in zip(corpus.sentences, rows, strict=True):
        words, tags = [], []
        for word, tag in zip(sentence, row, strict=True):
            if word not in vocabulary and word not in splits:
                splits[word] = split_into_vocabulary(word, vocabulary, counts)
            pieces = splits.get(word)
            if pieces is None:
                words.append(word)
                tags.append(tag)
                continue
            split_counts[word] += 1
            words += pieces
            tags += [tags_of[piece].most_common(1)[0][0] if piece in tags_of else tag for piece in pieces]
        aligned.sentences.append(words)
        if aligned.pos is not None:
            aligned.pos.append(tags)
    return aligned, split_counts


def align_corpora(corpora: list[Corpus | None], word_list: str | os.PathLike
                  ) -> tuple[list[Corpus | None], list[Counter[str]]]:
    """Each corpus (None stays None) aligned to the standard of the word list file ``word_list`` (one word a
    line; see :func:`align_to_vocabulary`), and how often each word of it was split. The list is read once."""
    vocabulary = read_word_list(word_list)
    if not vocabulary:
        raise ValueError(f"{word_list}: no words to align to (one word a line)")
    aligned: list[Corpus | None] = []
    splits: list[Counter[str]] = []
    for corpus in corpora:
        result, counts = (corpus, Counter()) if corpus is None else align_to_vocabulary(corpus, vocabulary)
        aligned.append(result)
        splits.append(counts)
        if corpus is not None:
            logger.info("%s", describe_splits(corpus, counts, word_list))
    return aligned, splits


def describe_splits(corpus: Corpus, splits: Counter[str], word_list: str | os.PathLike) -> str:
    """One line saying what aligning ``corpus`` split."""
    examples = ", ".join(f"{word} {count}" for word, count in splits.most_common(5))
    return (f"{corpus.path}: split {splits.total():,} words ({len(splits):,} kinds) missing from {word_list}"
            + (f", e.g. {examples}" if examples else ""))
