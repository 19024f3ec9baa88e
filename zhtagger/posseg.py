"""jieba.posseg's interface: ``for word, flag in zhtagger.posseg.cut(text)``.

Words and flags come from a model that learnt part-of-speech tags with the words
(:meth:`Segmenter.pos_batch`; every character kept, as in ``lcut``): the tokenizer's own model when it has
tags, else, for a tokenizer on the PKU standard (``pku``, the default), the shipped
``pku-pos``, loaded on first use, which reads the tokenizer's user dictionary (the same object: ``add_word``
on either is seen by both; a user word keeps its own tag) and main dictionary. The model's PKU tags are
written as jieba writes them (``JIEBA_FLAGS``: punctuation ``x``, foreign strings ``eng``, morphemes such as
``Ng`` in lower case).

Otherwise (another standard, such as ``ctb``, or ``HMM=False``) the words are the tokenizer's and each word's
flag comes from the user dictionary's tag, else the main dictionary's (jieba's tags: n, nr, ns, v, ...), else
jieba's own tagger run on that word alone (a private one; jieba's global state is the user's), else from its
characters: ``x`` for punctuation and whitespace, ``m`` for numbers, ``eng`` for Latin letters.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Iterator

from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.text.dictionary import Dictionary
from zhtagger.tokenizer import Tokenizer

TAGGER = "pku-pos"  # the shipped model that tags, for tokenizers on its standard whose model does not
PKU_STANDARD = (None, "pku", "pku-fast")  # a tokenizer's model (None: the default) whose words pku-pos shares
# PKU tags (People's Daily) written as jieba writes them: punctuation x, foreign strings eng, morphemes lower case
JIEBA_FLAGS = {"w": "x", "nx": "eng", **{f"{c}g": f"{c.lower()}g" for c in "ABDMNRTVY"}}

# jieba.posseg's HMM tables and functions, regular expressions and Python 2 helpers, reached here as jieba's
# own: code that calls them keeps working (the tags above do not come from them)
FROM_JIEBA = frozenset({
    "CHAR_STATE_TAB_P", "PROB_EMIT_P", "PROB_START_P", "PROB_TRANS_P", "char_state_tab_P", "emit_P", "start_P",
    "trans_P", "load_model", "viterbi", "re_eng", "re_eng1", "re_han_detail", "re_han_internal", "re_num",
    "re_skip_detail", "re_skip_internal", "PY2", "absolute_import", "unicode_literals", "check_paddle_install",
    "default_encoding", "default_logger", "get_module_res", "iteritems", "iterkeys", "itervalues",
    "log_console", "resolve_filename", "strdecode", "string_types", "text_type", "xrange",
})


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
        self._tagger: Segmenter | None = None  # the shipped pku-pos, when the tokenizer's model has no tags
        self._tagger_dictionary = None  # the main dictionary the tagger's lexicon reads
        self._lock = threading.Lock()
        self.word_tag_tab: dict[str, str] = {}  # tags read by load_word_tag, over the main dictionary's

    def __getstate__(self) -> dict:
        """Pickled small: its tokenizer (see Tokenizer) and the tags read by load_word_tag."""
        return {"tokenizer": self._tokenizer, "word_tag_tab": self.word_tag_tab}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["tokenizer"])
        self.word_tag_tab = state["word_tag_tab"]

    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is not None:
            return self._tokenizer
        from zhtagger import api

        return api.dt

    def initialize(self, dictionary=None) -> None:
        self.tokenizer.initialize(dictionary)

    def tagger(self) -> Segmenter | None:
        """The model whose words and tags ``cut`` gives, or None (see the module's docstring)."""
        tokenizer = self.tokenizer
        if len(tokenizer.segmenter.config.pos_tags) > 1:
            return tokenizer.segmenter
        if tokenizer.model not in PKU_STANDARD:
            return None
        with self._lock:
            if self._tagger is None:
                self._tagger = Segmenter.load(TAGGER)
            self._tagger.user_dict = tokenizer.segmenter.user_dict
            if tokenizer.dictionary_path != self._tagger_dictionary:
                self._tagger.set_lexicon_words(tokenizer.dictionary.freq)
                self._tagger_dictionary = tokenizer.dictionary_path
        return self._tagger

    def cut(self, sentence, HMM: bool = True, use_paddle: bool = False) -> Iterator[pair]:  # noqa: N803
        tagger = self.tagger() if HMM else None
        if tagger is not None:
            for word, flag in tagger.pos_batch([sentence])[0]:
                yield pair(word, JIEBA_FLAGS.get(flag, flag))
            return
        for word in self.tokenizer.cut(sentence, HMM=HMM):
            yield pair(word, self.flag(word))

    def lcut(self, *args, **kwargs) -> list[pair]:
        return list(self.cut(*args, **kwargs))

    def load_userdict(self, f) -> int:
        return self.tokenizer.load_userdict(f)

    def load_word_tag(self, f) -> None:
        """Read the tags of a dictionary file in jieba's format (an open binary file), as jieba's does."""
        self.word_tag_tab.update(Dictionary.parse_bytes(f.read(), getattr(f, "name", None)).tags)

    def makesure_userdict_loaded(self) -> None:
        """Kept for jieba's callers: user words' tags are read as they are added."""

    def flag(self, word: str) -> str:
        entry = self.tokenizer.segmenter.user_dict.entries.get(word)
        if entry is not None and entry.tag:
            return entry.tag
        tag = self.word_tag_tab.get(word) or self.tokenizer.dictionary.tags.get(word)
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


def initialize(dictionary=None) -> None:
    dt.initialize(dictionary)


def setLogLevel(log_level) -> None:  # noqa: N802 -- jieba's name
    from zhtagger import api

    api.setLogLevel(log_level)


def enable_paddle() -> None:
    from zhtagger import api

    api.enable_paddle()


def __getattr__(name: str):
    if name in FROM_JIEBA:
        import jieba.posseg

        return getattr(jieba.posseg, name)
    raise AttributeError(f"module 'zhtagger.posseg' has no attribute {name!r}")
