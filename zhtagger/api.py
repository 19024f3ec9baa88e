"""jieba's module functions (``zhtagger.cut``, ``lcut``, ``cut_for_search``, ...) on one default
:class:`~zhtagger.tokenizer.Tokenizer`, ``dt``, whose model (the shipped PKU one) loads on first use, once,
even when several threads ask for it at the same time. ``import zhtagger as jieba`` runs jieba code unchanged;
docs in README.md, "Moving from jieba"."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence

from zhtagger.tokenizer import Tokenizer

dt = Tokenizer()  # what jieba calls its default tokenizer; loads nothing until used
_workers = 1  # enable_parallel


def default_segmenter():
    """The :class:`~zhtagger.Segmenter` behind the module functions."""
    return dt.segmenter


def set_model(model: str | os.PathLike) -> None:
    """The model behind the module functions (and ``zhtagger.posseg``'s): a shipped name (``"pku"``, the
    default; ``"ctb"``, which keeps person names whole) or a model directory. User words start afresh."""
    global dt
    dt = Tokenizer(model=model)
    dt.initialize()


def initialize(dictionary: str | os.PathLike | None = None) -> None:
    dt.initialize(dictionary)


def cut(sentence, cut_all: bool = False, HMM: bool = True, use_paddle: bool = False) -> Iterator[str]:  # noqa: N803
    """Yield the words of ``sentence`` (see :class:`~zhtagger.tokenizer.Tokenizer` for the modes); with
    ``enable_parallel``, a text of many lines is cut in worker processes."""
    if _workers > 1 and not cut_all and HMM:
        return parallel_cut(sentence)
    return dt.cut(sentence, cut_all, HMM, use_paddle)


def lcut(*args, **kwargs) -> list[str]:
    return list(cut(*args, **kwargs))


def cut_for_search(sentence, HMM: bool = True) -> Iterator[str]:  # noqa: N803
    return dt.cut_for_search(sentence, HMM)


def lcut_for_search(*args, **kwargs) -> list[str]:
    return list(cut_for_search(*args, **kwargs))


def tokenize(unicode_sentence: str, mode: str = "default", HMM: bool = True) -> Iterator[tuple[str, int, int]]:  # noqa: N803
    """Yield ``(word, start, end)`` for each token of ``unicode_sentence``."""
    return dt.tokenize(unicode_sentence, mode, HMM)


def lcut_batch(texts: Sequence[str]) -> list[list[str]]:
    """The words of many texts at once: much faster than a loop of ``lcut``."""
    return dt.lcut_batch(texts)


def load_userdict(f) -> int:
    """Add the words of a jieba-format user dictionary (a path or an open file) to the default tokenizer."""
    return dt.load_userdict(f)


def add_word(word: str, freq: int | None = None, tag: str | None = None) -> None:
    dt.add_word(word, freq, tag)


def del_word(word: str) -> None:
    dt.del_word(word)


def suggest_freq(segment, tune: bool = False) -> int:
    return dt.suggest_freq(segment, tune)


def get_FREQ(k: str, d=None):  # noqa: N802 -- jieba's name
    return dt.get_FREQ(k, d)


def get_dict_file():
    return dt.get_dict_file()


def set_dictionary(dictionary_path: str | os.PathLike) -> None:
    dt.set_dictionary(dictionary_path)


def setLogLevel(log_level) -> None:  # noqa: N802 -- jieba's name
    logging.getLogger("zhtagger").setLevel(log_level)


def enable_paddle() -> None:
    """Accepted for jieba's callers and changes nothing: zhtagger's model is neural already (no paddle)."""
    logging.getLogger("zhtagger").info("enable_paddle: zhtagger's segmenter is a neural model already; "
                                       "paddle is not used")


def get_DAG(sentence: str) -> dict[int, list[int]]:  # noqa: N802 -- jieba's name
    return dt.get_DAG(sentence)


def calc(sentence: str, DAG: dict[int, list[int]], route: dict) -> None:  # noqa: N803 -- jieba's name
    dt.calc(sentence, DAG, route)


def enable_parallel(processnum: int | None = None) -> None:
    """Cut texts of many lines in ``processnum`` worker processes (default: one per CPU). Unlike jieba's, this
    works on Windows and macOS too (the workers are spawned)."""
    global _workers
    _workers = processnum or os.cpu_count() or 1


def disable_parallel() -> None:
    global _workers
    _workers = 1


def parallel_cut(sentence) -> Iterator[str]:
    from zhtagger.tasks.segment.stream import segment_lines
    from zhtagger.text.spans import as_text

    lines = as_text(sentence).splitlines(keepends=True)
    for tokens in segment_lines(lines, dt.segmenter, 1000, _workers):
        yield from tokens
