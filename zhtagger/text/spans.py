"""Cutting raw text into what the model sees and what it must not break.

Whitespace runs, URLs, e-mail addresses and runs of more than LONGEST_RUN letters and digits become tokens of
their own; everything between them goes to the model. Inside model text, runs of Latin letters and of numbers
(decimals, percentages, full-width forms) are kept whole by constraining the decoder: no word boundary may fall
inside such a run, though the run may join neighbouring characters (``1998年`` is one word in the PKU
standard).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from enum import Enum

import numpy as np

from zhtagger.text.corpus import SPLIT_AFTER
from zhtagger.text.tags import B, E, M, S


class Kind(str, Enum):
    SPACE = "space"  # a whitespace run, kept as a token
    WHOLE = "whole"  # a URL, an e-mail address or a very long run of letters and digits, kept as one token
    MODEL = "model"  # text the model segments


LONGEST_RUN = 1000  # a run of letters and digits longer than this is a token of its own (no boundary inside)
_NOT_URL = r"\s\u3000-\u303f\u4e00-\u9fff\uff01-\uff0f\uff1a-\uff20"
_ALNUM = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
RUN_CHARS = frozenset(re.findall(f"[{_ALNUM}]", "".join(map(chr, range(0x10000)))))  # letters and digits
# Each pattern may start only where its run starts (the lookbehinds) and never gives characters back (the
# possessive quantifiers), so a long run of letters or digits is read a few times, not once per position:
# linear time.
SPANS = re.compile(
    rf"(?P<space>\s+)"
    rf"|(?P<url>(?:(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*+://|www\.)[^{_NOT_URL}]++)"
    rf"|(?P<email>(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)+)"
    rf"|(?P<run>(?<![{_ALNUM}])[{_ALNUM}]{{{LONGEST_RUN + 1},}})"
)
KEEP_TOGETHER = re.compile(
    r"[0-9０-９]+(?:[.．,，:：][0-9０-９]+)*[%％‰]?"  # 3.14, 1,000, 15:06, 50%, ５０％
    r"|[A-Za-zＡ-Ｚａ-ｚ]+(?:['’.-][A-Za-zＡ-Ｚａ-ｚ]+)*"  # iPhone, don't, e-mail
)
TRAILING_PUNCT = ".,;:!?)]}'\""
MAY_HAVE_SPANS = re.compile(r"[\s@]|://|www\.")  # what every match of SPANS holds, unless it is a long run


def split_spans(text: str) -> Iterator[tuple[int, int, Kind]]:
    """(start, end, kind) spans covering ``text`` exactly, in order."""
    if len(text) <= LONGEST_RUN and not MAY_HAVE_SPANS.search(text):  # most texts: a sixth of SPANS' time
        return iter([(0, len(text), Kind.MODEL)] if text else [])
    return matched_spans(text)


def matched_spans(text: str) -> Iterator[tuple[int, int, Kind]]:
    """:func:`split_spans` by matching SPANS."""
    position = 0
    for match in SPANS.finditer(text):
        start, end = match.span()
        if match.lastgroup == "url":
            end = start + len(match.group().rstrip(TRAILING_PUNCT)) or end  # "see http://x.cn." -> "http://x.cn"
        if start > position:
            yield position, start, Kind.MODEL
        yield start, end, Kind.SPACE if match.lastgroup == "space" else Kind.WHOLE
        position = end
        if end < match.end():
            yield end, match.end(), Kind.MODEL
            position = match.end()
    if position < len(text):
        yield position, len(text), Kind.MODEL


def allowed_tags(text: str, words: Iterable[tuple[int, int]] = (), boundaries: Iterable[int] = ()
                 ) -> np.ndarray | None:
    """(len(text), 4) bool: the tags each character may take, or None when nothing is constrained.

    Runs of letters or digits may not contain a word boundary; each (start, end) in ``words`` must be a word
    of its own (B M* E, or S); a word boundary must fall before each position in ``boundaries``.
    """
    return texts_allowed_tags([text], [list(words)], [list(boundaries)])


def texts_allowed_tags(texts: Sequence[str], words: Sequence[Sequence[tuple[int, int]]] | None = None,
                       boundaries: Sequence[Sequence[int]] | None = None) -> np.ndarray | None:
    """:func:`allowed_tags` for many texts at once, laid end to end: (total length, 4) bool or None.
    ``words`` and ``boundaries`` hold each text's own (positions within that text)."""
    offsets = np.cumsum([0, *map(len, texts)])
    allowed = None

    def grid() -> np.ndarray:
        nonlocal allowed
        if allowed is None:
            allowed = np.ones((int(offsets[-1]), 4), dtype=bool)
        return allowed

    for text_boundaries, offset in zip(boundaries or (), offsets, strict=False):
        for position in text_boundaries:
            grid()[offset + position - 1, [B, M]] = False  # the character before ends a word
            grid()[offset + position, [M, E]] = False  # and this one begins one
    # runs are found in the texts joined by line breaks, which no run crosses
    spans = np.array([match.span() for match in KEEP_TOGETHER.finditer("\n".join(texts))], dtype=np.int64)
    spans = spans[spans[:, 1] - spans[:, 0] >= 2] if len(spans) else spans
    if len(spans):
        starts, ends = (spans - (np.searchsorted(offsets + np.arange(len(offsets)), spans[:, :1], "right") - 1)).T
        grid()[starts[:, None], [E, S]] = False  # a run's first character does not end a word
        grid()[ends[:, None] - 1, [B, S]] = False  # its last character does not begin one
        inner = ends - starts - 2
        inside = np.arange(inner.sum()) + np.repeat(starts + 1 - (np.cumsum(inner) - inner), inner)
        grid()[inside] = [False, True, False, False]  # inside: only M
    for text_words, offset in zip(words or (), offsets, strict=False):
        for start, end in text_words:
            start, end = offset + start, offset + end
            grid()[start:end] = False
            if end - start == 1:
                grid()[start, S] = True
            else:
                grid()[start, B] = grid()[end - 1, E] = True
                grid()[start + 1 : end - 1, M] = True
    return allowed


def chunk_spans(text: str, start: int, end: int, limit: int, short: int | None = None) -> Iterator[tuple[int, int]]:
    """Cut text[start:end] into spans of at most ``limit`` characters, after the last punctuation mark that
    fits when there is one, else before a run of letters or digits that the limit would cut. With ``short``,
    a span longer than that is cut after punctuation too: after the last mark among its first ``short``
    characters, else the first mark after them (a span without punctuation is never cut short)."""
    while end - start > (short or limit):
        window = text[start : start + (short or limit)]
        cut = max(window.rfind(mark) for mark in SPLIT_AFTER) + 1
        if cut <= 0 and short:
            after = [found for mark in SPLIT_AFTER if (found := text.find(mark, start + short, start + limit)) >= 0]
            cut = min(after) + 1 - start if after else 0
        if cut <= 0 and end - start <= limit:
            break
        if cut <= 0:
            cut = limit
            while cut > 1 and text[start + cut - 1] in RUN_CHARS and text[start + cut] in RUN_CHARS:
                cut -= 1
            cut = cut if cut > 1 else limit
        yield start, start + cut
        start += cut
    if end > start:
        yield start, end


def as_text(text: str | bytes) -> str:
    """A text as jieba takes it: a str, or bytes in UTF-8 (else GBK)."""
    if isinstance(text, str):
        return text
    if not isinstance(text, bytes | bytearray):
        raise TypeError(f"a text is a str (or bytes), not {type(text).__name__}")
    try:
        return bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        try:
            return bytes(text).decode("gbk")
        except UnicodeDecodeError:
            raise ValueError("bytes that are neither UTF-8 nor GBK; decode them first") from None


def whole_token_tag(token: str) -> str:
    """The part-of-speech tag of a token kept whole: ``x`` for whitespace, ``m`` for digits, else ``eng`` (a URL,
    an e-mail address or a long run of letters and digits), as jieba tags them."""
    if token.isspace():
        return "x"
    return "m" if token.isdigit() else "eng"
