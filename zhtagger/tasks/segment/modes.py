"""jieba's segmentation modes on top of a segmenter's words: full mode (every dictionary word found), search
mode (long words preceded by their dictionary sub-words) and ``HMM=False`` (no words the
dictionaries do not know). Pure functions over words and a membership test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from zhtagger.text.spans import RUN_CHARS

Known = Callable[[str], bool]


def full_mode(text: str, model_words: list[str], known: Known, longest: int) -> Iterator[str]:
    """Every word of ``text`` that ``known`` accepts or the model produced, by start position (shorter first),
    and the characters no such word of two or more characters covers, as jieba's ``cut_all=True``."""
    produced = {(start, start + len(word)) for start, word in with_starts(model_words) if len(word) > 1}
    covered_to = 0
    for start in range(len(text)):
        ends = [end for end in range(start + 2, min(len(text), start + longest) + 1)
                if (start, end) in produced or known(text[start:end])]
        ends += [end for s, end in produced if s == start and end not in ends]
        for end in sorted(ends):
            yield text[start:end]
        if not ends and start >= covered_to:
            yield text[start]
        covered_to = max([covered_to, *ends])


def search_words(word: str, known: Known) -> Iterator[str]:
    """The dictionary's 2- and 3-character words inside a longer word, then the word (jieba's search mode)."""
    for size in (2, 3):
        if len(word) > size:
            yield from (word[i : i + size] for i in range(len(word) - size + 1) if known(word[i : i + size]))
    yield word


def known_words_only(words: list[str], known: Known) -> Iterator[str]:
    """``HMM=False``: a word the dictionaries do not know is cut into its characters (runs of letters and
    digits stay whole)."""
    for word in words:
        if len(word) == 1 or known(word) or all(ch in RUN_CHARS for ch in word) or word.isspace():
            yield word
        else:
            yield from word


def with_starts(words: list[str]) -> Iterator[tuple[int, str]]:
    start = 0
    for word in words:
        yield start, word
        start += len(word)
