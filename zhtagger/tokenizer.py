"""``Tokenizer``: jieba's ``Tokenizer`` interface on a zhtagger segmenter, so that jieba code runs unchanged.

What jieba's switches mean here (the model is a neural segmenter, not jieba's dictionary-and-HMM one):

- ``cut_all=True`` (full mode): every word found in the text that the main dictionary or the user dictionary
  knows, or that the model produced there, by position; characters no such word covers stand alone.
- ``HMM=False``: no new words beyond what is known: a word the model produced that neither dictionary nor the
  model's training words hold is cut into its characters (runs of letters and digits stay whole). ``HMM=True``
  (the default) keeps the model's words.
- ``use_paddle`` is accepted and changes nothing: the model is always the neural one.
- search mode (``cut_for_search``, ``tokenize(mode="search")``): each word longer than two characters is
  preceded by the main dictionary's 2- and 3-character words inside it.
- ``set_dictionary(path)``: the main dictionary, read by the lexicon feature of the models that have one
  (the shipped ones do) and by the modes above.
- jieba's dictionary internals (``FREQ``, ``total``, ``get_DAG``, ``calc``, ``gen_pfdict``,
  ``user_word_tag_tab``) work on the main dictionary with the user dictionary's words over it, as jieba's do:
  code that builds on jieba's word graph keeps working, though the model never reads it.
"""

from __future__ import annotations

import math
import os
import threading
from collections import ChainMap
from collections.abc import Iterator, Sequence

from zhtagger.tasks.segment.modes import full_mode, known_words_only, search_words, with_starts
from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.text.dictionary import Dictionary, jieba_dictionary
from zhtagger.text.spans import as_text


class Tokenizer:
    """A segmenter with its own user dictionary and main dictionary, loaded on first use (``initialize``)."""

    def __init__(self, dictionary: str | os.PathLike | None = None, model: str | os.PathLike | None = None) -> None:
        self.model = model  # a shipped model's name or a model directory; None: the default
        self.dictionary_path = dictionary
        self._segmenter: Segmenter | None = None
        self._dictionary: Dictionary | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        """Pickled small (process pools, Spark, Dask): the model's name or path, the main dictionary's path (read
        again where it is unpickled) and the user's words; the model loads there on first use."""
        segmenter = self._segmenter
        return {"model": self.model, "dictionary_path": self.dictionary_path,
                "user_dict": None if segmenter is None else segmenter.user_dict,
                "lexicon_words": set() if segmenter is None else segmenter.lexicon_words}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["dictionary_path"], state["model"])
        self._pending = state["user_dict"], state["lexicon_words"]

    def initialize(self, dictionary: str | os.PathLike | None = None) -> None:
        """Load the model (and the main dictionary) now rather than on first use."""
        if dictionary is not None:
            self.set_dictionary(dictionary)
        with self._lock:
            if self._segmenter is None:
                segmenter = Segmenter.load(self.model)
                user_dict, lexicon_words = self.__dict__.pop("_pending", (None, ()))  # an unpickled copy's
                if user_dict is not None:
                    segmenter.user_dict = user_dict
                segmenter.add_lexicon_words(lexicon_words)
                self._segmenter = segmenter
                self._apply_dictionary()

    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self.initialize()
        return self._segmenter

    @property
    def dictionary(self) -> Dictionary:
        if self._dictionary is None:
            self._dictionary = (jieba_dictionary() if self.dictionary_path is None
                                else Dictionary.read(self.dictionary_path))
        return self._dictionary

    def set_dictionary(self, dictionary_path: str | os.PathLike) -> None:
        if not os.path.isfile(dictionary_path):
            raise FileNotFoundError(f"jieba: file does not exist: {os.path.abspath(dictionary_path)}")
        self.dictionary_path, self._dictionary = dictionary_path, Dictionary.read(dictionary_path)
        if self._segmenter is not None:
            self._apply_dictionary()

    def _apply_dictionary(self) -> None:
        if self.dictionary_path is not None:
            self._segmenter.set_lexicon_words(self.dictionary.freq)

    def get_dict_file(self):
        return self.dictionary.open()

    @property
    def initialized(self) -> bool:
        return self._segmenter is not None

    def check_initialized(self) -> None:
        if not self.initialized:
            self.initialize()

    @property
    def FREQ(self) -> ChainMap:  # noqa: N802 -- jieba's name
        """Word -> frequency: the user dictionary's words (forbidden ones at 0) over the main dictionary's."""
        user = {word: entry.freq or 1 if not entry.forbidden else 0
                for word, entry in self.segmenter.user_dict.entries.items()}
        return ChainMap(user, self.dictionary.freq)

    @property
    def total(self) -> int:
        return self.dictionary.total

    @property
    def user_word_tag_tab(self) -> dict[str, str]:
        """The user dictionary's words that have a part-of-speech tag, and their tags."""
        return {word: entry.tag for word, entry in self.segmenter.user_dict.entries.items() if entry.tag}

    def gen_pfdict(self, f) -> tuple[dict[str, int], int]:
        """jieba's prefix dictionary of a dictionary file (an open binary file): every word with its frequency
        and every prefix of a word at 0, and the total frequency."""
        dictionary = Dictionary.parse_bytes(f.read(), getattr(f, "name", None))
        prefixes = {word[:end]: 0 for word in dictionary.freq for end in range(1, len(word))}
        return {**prefixes, **dictionary.freq}, dictionary.total

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # noqa: N802 -- jieba's name
        """jieba's word graph: for each position, the end positions (inclusive) of the known words starting
        there (the position itself when there is none)."""
        freq, longest = self.FREQ, max(self.dictionary.longest, self.segmenter.user_dict.longest)
        return {start: [end - 1 for end in range(start + 1, min(len(sentence), start + longest) + 1)
                        if freq.get(sentence[start:end])] or [start] for start in range(len(sentence))}

    def calc(self, sentence: str, DAG: dict[int, list[int]], route: dict) -> None:  # noqa: N803
        """jieba's best path through the word graph by word frequencies, written into ``route``."""
        freq, log_total = self.FREQ, math.log(self.total)
        route[len(sentence)] = (0, 0)
        for start in range(len(sentence) - 1, -1, -1):
            route[start] = max((math.log(freq.get(sentence[start : end + 1]) or 1) - log_total + route[end + 1][0],
                                end) for end in DAG[start])

    def known(self, word: str) -> bool:
        entry = self.segmenter.user_dict.entries.get(word)
        if entry is not None:
            return not entry.forbidden
        return word in self.dictionary or word in self.segmenter.train_words

    def cut(self, sentence: str | bytes, cut_all: bool = False, HMM: bool = True,  # noqa: N803 -- jieba's name
            use_paddle: bool = False) -> Iterator[str]:
        text = as_text(sentence)
        words = self.segmenter.lcut(text)
        if cut_all:
            longest = max(self.dictionary.longest, self.segmenter.user_dict.longest)
            return full_mode(text, words, self.known, longest)
        return iter(words) if HMM else known_words_only(words, self.known)

    def lcut(self, *args, **kwargs) -> list[str]:
        return list(self.cut(*args, **kwargs))

    def cut_for_search(self, sentence: str | bytes, HMM: bool = True) -> Iterator[str]:  # noqa: N803
        for word in self.cut(sentence, HMM=HMM):
            yield from search_words(word, self.dictionary.__contains__)

    def lcut_for_search(self, *args, **kwargs) -> list[str]:
        return list(self.cut_for_search(*args, **kwargs))

    def tokenize(self, unicode_sentence: str, mode: str = "default", HMM: bool = True  # noqa: N803
                 ) -> Iterator[tuple[str, int, int]]:
        """(word, start, end) of each word; with ``mode="search"`` also of the sub-words of long words."""
        if not isinstance(unicode_sentence, str):
            raise ValueError("jieba: the input parameter should be unicode.")
        if mode not in ("default", "search"):
            raise ValueError(f"mode must be 'default' or 'search'; got {mode!r}")
        for start, word in with_starts(self.lcut(unicode_sentence, HMM=HMM)):
            if mode == "search":
                for size in (2, 3):
                    for i in range(len(word) - size + 1 if len(word) > size else 0):
                        if word[i : i + size] in self.dictionary:
                            yield word[i : i + size], start + i, start + i + size
            yield word, start, start + len(word)

    def lcut_batch(self, texts: Sequence[str]) -> list[list[str]]:
        return self.segmenter.lcut_batch(texts)

    def load_userdict(self, f) -> int:
        return self.segmenter.load_userdict(f)

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        self.segmenter.add_word(word, None if freq is None else int(freq), tag)

    def del_word(self, word: str) -> None:
        self.segmenter.del_word(word)

    def get_FREQ(self, k: str, d=None):  # noqa: N802 -- jieba's name
        entry = self.segmenter.user_dict.entries.get(k)
        if entry is not None and entry.freq is not None:
            return entry.freq
        return self.dictionary.freq.get(k, d)

    def suggest_freq(self, segment: str | Sequence[str], tune: bool = False) -> int:
        """A frequency that joins ``segment`` (a str) into one word or keeps it split (a tuple of pieces), as
        jieba computes it; with ``tune``, the word is forced (joined) or forbidden (split)."""
        total, freq = float(self.dictionary.total), 1.0
        if isinstance(segment, str):
            word = segment
            for piece in self.cut(word, HMM=False):
                freq *= self.dictionary.freq.get(piece, 1) / total
            result = max(int(freq * total) + 1, self.dictionary.freq.get(word, 1))
        else:
            word = "".join(segment)
            for piece in segment:
                freq *= self.dictionary.freq.get(piece, 1) / total
            result = min(int(freq * total), self.dictionary.freq.get(word, 0))
        if tune:
            self.add_word(word, result if isinstance(segment, str) else 0)
        return result
