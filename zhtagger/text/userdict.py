"""User dictionaries in jieba's format: one entry a line, ``word [freq] [tag]``.

Rule for overlapping entries: dictionary words are matched left to right, longest first; a match that
overlaps an earlier one is skipped. Matched words are forced on the decoder (B M* E, or S).
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Entry:
    freq: int | None = None
    tag: str | None = None


class UserDictionary:
    """Thread-safe: words may be added and deleted while other threads segment with it."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.longest = 0
        self._lock = threading.Lock()  # del_word walks the entries, which add_word may be growing

    def __len__(self) -> int:
        return len(self.entries)

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        if not word or any(ch.isspace() for ch in word):
            raise ValueError(f"a dictionary word is a non-empty string without whitespace; got {word!r}")
        with self._lock:
            self.entries[word] = Entry(freq, tag)
            self.longest = max(self.longest, len(word))

    def del_word(self, word: str) -> None:
        with self._lock:
            self.entries.pop(word, None)
            self.longest = max(map(len, self.entries), default=0)

    def load(self, source: str | os.PathLike | io.IOBase) -> int:
        """Add the entries of a file (a path or an open file, text or bytes); returns how many were read."""
        if isinstance(source, (str, os.PathLike)):
            with Path(source).open("rb") as file:
                return self.load(file)
        name = getattr(source, "name", "user dictionary")
        count = 0
        for number, line in enumerate(source, 1):
            if isinstance(line, bytes):
                try:
                    line = line.decode("utf-8")
                except UnicodeDecodeError:
                    raise ValueError(f"{name}, line {number}: not UTF-8") from None
            line = line.strip().lstrip("\ufeff")
            if not line:
                continue
            word, *rest = line.split()
            freq = None
            if rest and rest[0].isdigit():
                freq = int(rest.pop(0))
            if len(rest) > 1:
                raise ValueError(f"{name}, line {number}: expected 'word [freq] [tag]'; got {line!r}")
            self.add_word(word, freq, rest[0] if rest else None)
            count += 1
        return count

    def matches(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of dictionary words in ``text``: left to right, longest first, no overlaps."""
        if not self.entries:
            return
        start = 0
        while start < len(text):
            for end in range(min(len(text), start + self.longest), start, -1):
                if text[start:end] in self.entries:
                    yield start, end
                    start = end
                    break
            else:
                start += 1
