"""jieba.posseg's interface: ``for word, flag in zhtagger.posseg.cut(text)``.

The words are the segmenter's (every character kept, as in ``lcut``). Until a trained part-of-speech model
ships (issue 19), a word's flag comes from the user dictionary's tag, else the main dictionary's (jieba's
tags: n, nr, ns, v, ...), else jieba's own tagger run on that word alone (a private one; jieba's global state
is the user's), else from its characters: ``x`` for punctuation and whitespace, ``m`` for numbers, ``eng`` for
Latin letters.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Iterator

from zhtagger.tokenizer import Tokenizer


class pair:  # noqa: N801 -- jieba's name
    """A word and its part-of-speech flag: unpacks as ``word, flag`` and prints as ``word/flag``."""

    def __init__(self, word: str, flag: str) -> None:
        self.word = word
        self.flag = flag

    def __str__(self) -> str:
        return f"{self.word}/{self.flag}"

    def __repr__(self) -> str:
        return f"pair({self.word!r}, {self.flag!r})"

    def __iter__(self):
        return iter((self.word, self.flag))

    def __lt__(self, other: pair) -> bool:
        return self.word < other.word

    def __eq__(self, other: object) -> bool:
        return isinstance(other, pair) and self.word == other.word and self.flag == other.flag

    def __hash__(self) -> int:
        return hash(self.word)

    def encode(self, encoding: str) -> bytes:
        return str(self).encode(encoding)


class POSTokenizer:
    def __init__(self, tokenizer: Tokenizer | None = None) -> None:
        self._tokenizer = tokenizer  # None: the module functions' tokenizer, whichever it is at the time
        self._jieba = None
        self._lock = threading.Lock()

    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is not None:
            return self._tokenizer
        from zhtagger import api

        return api.dt

    def initialize(self, dictionary=None) -> None:
        self.tokenizer.initialize(dictionary)

    def cut(self, sentence, HMM: bool = True, use_paddle: bool = False) -> Iterator[pair]:  # noqa: N803
        for word in self.tokenizer.cut(sentence, HMM=HMM):
            yield pair(word, self.flag(word))

    def lcut(self, *args, **kwargs) -> list[pair]:
        return list(self.cut(*args, **kwargs))

    def load_userdict(self, f) -> int:
        return self.tokenizer.load_userdict(f)

    def flag(self, word: str) -> str:
        entry = self.tokenizer.segmenter.user_dict.entries.get(word)
        if entry is not None and entry.tag:
            return entry.tag
        tag = self.tokenizer.dictionary.tags.get(word)
        return tag or character_flag(word) or self.jieba_flag(word)

    def jieba_flag(self, word: str) -> str:
        with self._lock:
            if self._jieba is None:
                self._jieba = quiet_jieba_tagger()
            pieces = list(self._jieba.cut(word))
        return pieces[-1].flag if pieces else "x"  # a word jieba splits takes its head's (last piece's) flag


def quiet_jieba_tagger():
    """A private jieba tagger, loaded without jieba's log lines (its logger's level is put back after)."""
    import jieba
    import jieba.posseg

    logger = logging.getLogger("jieba")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        return jieba.posseg.POSTokenizer(tokenizer)
    finally:
        logger.setLevel(level)


def character_flag(word: str) -> str | None:
    if all(unicodedata.category(ch)[0] in "PSZC" for ch in word):
        return "x"
    if all(unicodedata.category(ch) == "Nd" or ch in ".,%．，％" for ch in word):
        return "m"
    if all(ch.isascii() and ch.isalpha() or unicodedata.name(ch, "").startswith("FULLWIDTH LATIN") for ch in word):
        return "eng"
    return None


dt = POSTokenizer()


def cut(sentence, HMM: bool = True, use_paddle: bool = False) -> Iterator[pair]:  # noqa: N803
    return dt.cut(sentence, HMM, use_paddle)


def lcut(sentence, HMM: bool = True, use_paddle: bool = False) -> list[pair]:  # noqa: N803
    return list(cut(sentence, HMM, use_paddle))
