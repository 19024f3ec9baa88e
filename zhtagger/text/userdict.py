"""User dictionaries in jieba's format: one entry a line, ``word [freq] [tag]`` (jieba's own pattern, so a word
may hold spaces: ``Edu Trust认证 2000``); a UTF-8 byte order mark and CRLF line ends are fine, and a line
starting with ``#`` is a comment.

The rules, as a jieba user expects them:

- A word found in the text is forced on the decoder (B M* E, or S). Where found words overlap, the one with the
  higher frequency wins (a word added without one counts as frequency 1), then the longer, then the one further
  left: ``add_word("长江大桥", 100000)`` beats ``南京市长`` at frequency 1 in 南京市长江大桥.
- ``add_word(word, freq=0)`` and ``del_word(word)`` forbid the word: the segmenter never produces it, even where
  the model alone would (see ``Segmenter``).
- Loading a file is all or nothing: a bad line raises with its number and leaves the dictionary as it was.
"""

from __future__ import annotations

import io
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

LINE = re.compile(r"^(.+?)( [0-9]+)?( [A-Za-z]+)?$")  # jieba's re_userdict, tags in either case


@dataclass
class Entry:
    freq: int | None = None
    tag: str | None = None

    @property
    def forbidden(self) -> bool:
        return self.freq == 0


class UserDictionary:
    """Thread-safe: words may be added and deleted while other threads segment with it."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.forbidden_words: set[str] = set()  # entries of frequency 0, kept apart so a check is one lookup
        self.longest = 0
        self._lock = threading.Lock()  # updates come from any thread; readers see whole dictionaries

    def __len__(self) -> int:
        return len(self.entries)

    def __getstate__(self) -> dict:
        return {name: value for name, value in self.__dict__.items() if name != "_lock"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _lock=threading.Lock())

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        self.add_words([(check_word(word), freq, tag)])

    def add_words(self, entries: list[tuple[str, int | None, str | None]]) -> None:
        with self._lock:
            for word, freq, tag in entries:
                if freq is not None and (isinstance(freq, bool) or not isinstance(freq, int) or freq < 0):
                    raise ValueError(f"a word's frequency is an integer >= 0; got {freq!r} for {word!r}")
                self.entries[word] = Entry(freq, tag)
                if freq == 0:
                    self.forbidden_words.add(word)
                else:
                    self.forbidden_words.discard(word)
                self.longest = max(self.longest, len(word))

    def del_word(self, word: str) -> None:
        """Forbid ``word`` (jieba's ``del_word`` is ``add_word(word, 0)``)."""
        self.add_word(word, 0)

    def forbidden(self, word: str) -> bool:
        return word in self.forbidden_words

    def load(self, source: str | os.PathLike | io.IOBase) -> int:
        """Add the entries of a file (a path or an open file, text or bytes); returns how many were read."""
        if isinstance(source, (str, os.PathLike)):
            with Path(source).open("rb") as file:
                return self.load(file)
        name = getattr(source, "name", "user dictionary")
        entries = [entry for number, line in enumerate(source, 1) if (entry := parse_line(line, name, number))]
        self.add_words(entries)
        return len(entries)

    def matches(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of the dictionary words found in ``text`` that are forced on it, in text order: where
        they overlap, the higher frequency wins, then the longer word, then the one further left."""
        entries, longest = self.entries, self.longest
        if not entries:
            return []
        found = []  # (priority, start, end) of every occurrence of a word to force
        for start in range(len(text)):
            for end in range(start + 1, min(len(text), start + longest) + 1):
                entry = entries.get(text[start:end])
                if entry is not None and not entry.forbidden:
                    found.append(((-(entry.freq or 1), start - end, start), start, end))
        found.sort()
        taken = bytearray(len(text))
        chosen = []
        for _, start, end in found:
            if not any(taken[start:end]):
                taken[start:end] = b"\x01" * (end - start)
                chosen.append((start, end))
        return sorted(chosen)


def check_word(word: str) -> str:
    if not isinstance(word, str) or not word.strip():
        raise ValueError(f"a dictionary word is a non-empty string; got {word!r}")
    return word.strip()


def parse_line(line: str | bytes, name: str, number: int) -> tuple[str, int | None, str | None] | None:
    """(word, freq, tag) of one line of a dictionary file, or None for a blank or comment line."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{name}, line {number}: not UTF-8 (a dictionary file is UTF-8, as jieba's)") from None
    line = line.lstrip("\ufeff").strip() if number == 1 else line.strip()
    if not line or line.startswith("#"):
        return None
    word, freq, tag = LINE.match(line).groups()
    if not word.strip():
        raise ValueError(f"{name}, line {number}: no word in {line!r}")
    return word.strip(), None if freq is None else int(freq), None if tag is None else tag.strip()
