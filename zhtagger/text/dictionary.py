"""A main dictionary in jieba's format (``word freq [tag]`` a line): jieba's bundled one by default, or any
file given to ``set_dictionary``. It feeds the lexicon feature of the models that have one, and the
dictionary-based modes of the jieba-style API (full mode, search mode, ``HMM=False``, ``get_FREQ``)."""

from __future__ import annotations

import functools
import io
import os
import re
from pathlib import Path

ENTRY = re.compile(r"^(\S+)[ \t]+(\d+)(?:[ \t]+(\S+))?", re.MULTILINE)


class Dictionary:
    def __init__(self, freq: dict[str, int], path: str | None = None, tags: dict[str, str] | None = None,
                 total: int | None = None) -> None:
        self.freq = freq
        self.tags = tags or {}  # part-of-speech tags, where the file gives them
        self.total = sum(freq.values()) if total is None else total
        self.path = path  # None: jieba's bundled dictionary
        self.longest = max(map(len, freq), default=0)

    @classmethod
    def read(cls, path: str | os.PathLike) -> Dictionary:
        return cls.parse_bytes(Path(path).read_bytes(), str(path))

    @classmethod
    def parse_bytes(cls, data: bytes, path: str | None) -> Dictionary:
        return parse(data.decode("utf-8-sig"), path)

    def open(self) -> io.BufferedReader:
        """The dictionary file, opened for reading bytes (jieba's ``get_dict_file``)."""
        if self.path is not None:
            return open(self.path, "rb")
        import jieba

        return jieba.get_dict_file()

    def __contains__(self, word: str) -> bool:
        return word in self.freq


@functools.cache
def jieba_dictionary() -> Dictionary:
    """jieba's bundled dictionary, read once a process."""
    import jieba

    with jieba.get_dict_file() as file:
        return parse(file.read().decode("utf-8"), None)


def parse(text: str, path: str | None) -> Dictionary:
    entries = ENTRY.findall(text)
    if not entries:
        raise ValueError(f"{path}: no 'word freq' lines, so not a dictionary in jieba's format")
    # the total counts a word listed twice twice (the last count is its frequency), as jieba's does
    return Dictionary({word: int(count) for word, count, _ in entries}, path,
                      {word: tag for word, _, tag in entries if tag}, sum(int(count) for _, count, _ in entries))
