"""A word-lexicon feature (open track): for each character, whether a dictionary word of two or more
characters begins, continues or ends there. The default lexicon is jieba's bundled dictionary."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

MAX_WORD = 6  # longer dictionary words are rare and add little
N_FEATURES = 2 + 8  # ids 0 (padding) and 1 (unknown) are reserved; 2 + three bits
BEGIN, INSIDE, END = 1, 2, 4


class Lexicon:
    def __init__(self, words: Iterable[str]) -> None:
        self.words = {w for w in words if 2 <= len(w) <= MAX_WORD}

    @classmethod
    def jieba_default(cls) -> Lexicon:
        import jieba

        with jieba.get_dict_file() as file:
            return cls(line.decode("utf-8").split(" ", 1)[0] for line in file)

    def features(self, text: str) -> np.ndarray:
        """(len(text),) feature ids."""
        bits = np.zeros(len(text), dtype=np.int64)
        words = self.words
        for start in range(len(text)):
            for size in range(2, min(MAX_WORD, len(text) - start) + 1):
                if text[start : start + size] in words:
                    bits[start] |= BEGIN
                    bits[start + 1 : start + size - 1] |= INSIDE
                    bits[start + size - 1] |= END
        return bits + 2
