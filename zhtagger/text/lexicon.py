"""A word-lexicon feature: for each character, whether a dictionary word of two or more characters begins,
continues or ends there. The dictionary is jieba's bundled one (open track) or the training words (closed
track; jackknifed in training, see :func:`jackknifed_features`).

Matching is vectorised: every window of 2..MAX_WORD characters is hashed (a polynomial over code points,
modulo 2**64, lowest bit cleared) and looked up in a hash table (:class:`~zhtagger.text.hashindex.HashIndex`)
of the hashes of the dictionary's words of that length. Two different strings share a hash with a chance
below 2**-40 per window (a few hundred thousand dictionary hashes out of 2**63), far below anything that
shows in accuracy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from zhtagger.text.hashindex import HashIndex
from zhtagger.text.vocab import char_codes, code_points

JACKKNIFE_FOLDS = 10
MAX_WORD = 6  # longer dictionary words are rare and add little
N_FEATURES = 2 + 8  # ids 0 (padding) and 1 (unknown) are reserved; 2 + three bits
BEGIN, INSIDE, END = 1, 2, 4
HASH_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd (invertible modulo 2**64), bits spread evenly
MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))  # splitmix64's finaliser
EMPTY_BIT = np.uint64(1)  # cleared in every hash, so none is the HashIndex's empty-slot marker


def fold_hash(columns: list[np.ndarray]) -> np.ndarray:
    """Hash of equal-length strings given column by column (code points of their k-th characters), lowest bit
    cleared.

    The polynomial's lowest bit is the last character's lowest bit alone, so clearing it straight away would
    make 国国 and 国图 (code points one apart) the same word; a finaliser (a bijection) first mixes every bit
    into every other, and the cleared bit then costs one bit of the 64."""
    hashed = columns[0].astype(np.uint64)
    with np.errstate(over="ignore"):
        for column in columns[1:]:
            hashed = hashed * HASH_BASE + column.astype(np.uint64)
        for multiplier, shift in zip(MIX, (30, 27), strict=True):
            hashed = (hashed ^ (hashed >> np.uint64(shift))) * multiplier
        hashed ^= hashed >> np.uint64(31)
    return hashed & ~EMPTY_BIT


class Lexicon:
    def __init__(self, words: Iterable[str]) -> None:
        words = list(words)
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        self.hashes = hash_words(char_codes("".join(words)), np.cumsum(lengths) - lengths, lengths)

    @classmethod
    def of_dictionary_text(cls, text: str) -> Lexicon:
        """The words of a dictionary in jieba's format (``word [freq] [tag]`` a line): each line's text up to its
        first space. Read with array operations, not one string per word: jieba's 349,000 words take a tenth
        of the time and memory."""
        codes = code_points(text)
        line_starts = np.concatenate([[0], np.flatnonzero(codes == ord("\n")) + 1])
        line_starts = line_starts[line_starts < len(codes)]
        breaks = (codes == ord(" ")) | (codes == ord("\n")) | (codes == ord("\r"))
        word_ends = np.append(np.flatnonzero(breaks), len(codes))
        lengths = word_ends[np.searchsorted(word_ends, line_starts)] - line_starts
        lexicon = cls([])
        lexicon.hashes = hash_words(codes, line_starts, lengths)
        return lexicon

    @classmethod
    def jieba_default(cls, extra: Iterable[str] = ()) -> Lexicon:
        """The words of jieba's bundled dictionary, and the ``extra`` words."""
        import jieba

        with jieba.get_dict_file() as file:
            text = file.read().decode("utf-8")
        return cls.of_dictionary_text(text + "".join(f"\n{word}" for word in sorted(extra)))

    def features(self, text: str) -> np.ndarray:
        """(len(text),) feature ids of one text."""
        return self.features_of_codes(char_codes(text), np.array([0, len(text)]))

    def features_of_codes(self, codes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Feature ids for texts laid end to end as code points (text i is ``codes[offsets[i]:offsets[i+1]]``);
        words never span two texts."""
        n = len(codes)
        bits = np.zeros(n, dtype=np.int64)
        remaining = np.repeat(offsets[1:], np.diff(offsets)) - np.arange(n)  # characters left in each one's text
        for size, table in self.hashes.items():
            windows = n - size + 1
            if windows <= 0:
                continue
            hashed = fold_hash([codes[k : k + windows] for k in range(size)])
            starts = np.flatnonzero(table.contains(hashed) & (remaining[:windows] >= size))
            bits[starts] |= BEGIN
            for k in range(1, size - 1):
                bits[starts + k] |= INSIDE
            bits[starts + size - 1] |= END
        return bits + 2


def hash_words(codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> dict[int, HashIndex]:
    """Word length -> the hashes of the words (``codes[starts[i]:starts[i] + lengths[i]]``) of that length."""
    hashes = {}
    for size in range(2, MAX_WORD + 1):
        first = starts[lengths == size]
        if len(first):
            hashes[size] = HashIndex(fold_hash([codes[first + k] for k in range(size)]))
    return hashes


def jackknifed_features(sentences: Sequence[Sequence[str]], piece_texts: Sequence[str],
                        piece_sentence: np.ndarray, folds: int = JACKKNIFE_FOLDS) -> np.ndarray:
    """Lexicon feature ids of training pieces laid end to end, each piece matched against the words of the
    training sentences *outside* its block (the sentences cut into ``folds`` contiguous blocks, piece i
    coming from sentence ``piece_sentence[i]``, in order).

    A lexicon of all the training words marks every training word, so a network trained on it learns to
    trust the feature blindly; at test time it is missing on every out-of-vocabulary word. Held-out blocks
    make it miss in training as often as it does on unseen text like the training text, and the network learns
    how far to trust it. (Text less like it has more new words than that: see the PKU results in the README.)
    """
    fold_of_sentence = np.arange(len(sentences)) * folds // max(len(sentences), 1)
    fold_of_piece = fold_of_sentence[np.asarray(piece_sentence, dtype=np.int64)]
    lengths = np.fromiter(map(len, piece_texts), dtype=np.int64, count=len(piece_texts))
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    codes = char_codes("".join(piece_texts))
    features = np.empty(len(codes), dtype=np.int64)
    for fold in range(folds):
        rows = np.flatnonzero(fold_of_piece == fold)  # contiguous: pieces follow the sentences' order
        if not len(rows):
            continue
        lexicon = Lexicon({word for sentence, other in zip(sentences, fold_of_sentence, strict=True)
                           if other != fold for word in sentence})
        start, end = offsets[rows[0]], offsets[rows[-1] + 1]
        features[start:end] = lexicon.features_of_codes(codes[start:end], offsets[rows[0] : rows[-1] + 2] - start)
    return features
