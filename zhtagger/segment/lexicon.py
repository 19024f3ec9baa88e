"""A word-lexicon feature (open track): for each character, whether a dictionary word of two or more
characters begins, continues or ends there. The default lexicon is jieba's bundled dictionary.

Matching is vectorised: every window of 2..MAX_WORD characters is hashed (a polynomial over code points,
modulo 2**64) and looked up in the sorted hashes of the dictionary's words of that length. Two different
strings share a hash with a chance below 2**-40 per window (a few hundred thousand dictionary hashes out of
2**64), far below anything that shows in accuracy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from zhtagger.segment.vocab import char_codes, find_sorted

MAX_WORD = 6  # longer dictionary words are rare and add little
N_FEATURES = 2 + 8  # ids 0 (padding) and 1 (unknown) are reserved; 2 + three bits
BEGIN, INSIDE, END = 1, 2, 4
HASH_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd (invertible modulo 2**64), bits spread evenly


def fold_hash(columns: list[np.ndarray]) -> np.ndarray:
    """Hash of equal-length strings given column by column (code points of their k-th characters)."""
    hashed = columns[0].astype(np.uint64)
    with np.errstate(over="ignore"):
        for column in columns[1:]:
            hashed = hashed * HASH_BASE + column.astype(np.uint64)
    return hashed


class Lexicon:
    def __init__(self, words: Iterable[str]) -> None:
        words = list(words)
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        codes = char_codes("".join(words))
        starts = np.cumsum(lengths) - lengths
        self.hashes = {}  # word length -> sorted hashes of the dictionary's words of that length
        for size in range(2, MAX_WORD + 1):
            first = starts[lengths == size]
            if len(first):
                self.hashes[size] = np.sort(fold_hash([codes[first + k] for k in range(size)]))

    @classmethod
    def jieba_default(cls) -> Lexicon:
        """The words of jieba's bundled dictionary (``word freq tag`` a line)."""
        import jieba

        with jieba.get_dict_file() as file:
            return cls(re.findall(r"^[^ \n]+", file.read().decode("utf-8"), flags=re.MULTILINE))

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
            starts = np.flatnonzero(find_sorted(table, hashed)[1] & (remaining[:windows] >= size))
            bits[starts] |= BEGIN
            for k in range(1, size - 1):
                bits[starts + k] |= INSIDE
            bits[starts + size - 1] |= END
        return bits + 2
