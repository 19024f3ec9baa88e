"""jieba-style module functions (``zhtagger.cut``, ``lcut``, ...) on one default segmenter.

The default segmenter is the shipped PKU model, loaded on first use (not on ``import zhtagger``), once, even
when several threads ask for it at the same time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

_lock = threading.Lock()
_segmenter = None


def default_segmenter():
    """The shared :class:`~zhtagger.Segmenter` behind the module functions."""
    global _segmenter
    if _segmenter is None:
        with _lock:
            if _segmenter is None:
                from zhtagger.tasks.segment.predictor import Segmenter

                _segmenter = Segmenter.load()
    return _segmenter


def cut(text: str) -> Iterator[str]:
    """Yield the words of ``text``; whitespace, URLs and e-mail addresses are tokens of their own."""
    return default_segmenter().cut(text)


def lcut(text: str) -> list[str]:
    return default_segmenter().lcut(text)


def lcut_batch(texts: Sequence[str]) -> list[list[str]]:
    return default_segmenter().lcut_batch(texts)


def tokenize(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(word, start, end)`` for each token of ``text``."""
    return default_segmenter().tokenize(text)


def load_userdict(source) -> int:
    """Add the words of a jieba-format user dictionary (a path or an open file) to the default segmenter."""
    return default_segmenter().load_userdict(source)


def add_word(word: str, freq: int | None = None, tag: str | None = None) -> None:
    default_segmenter().add_word(word, freq, tag)


def del_word(word: str) -> None:
    default_segmenter().del_word(word)
