"""Character and character-bigram vocabularies, saved as plain text (one token a line, by id)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from zhtagger.text.corpus import FOLD
from zhtagger.text.hashindex import HashIndex

PAD, UNK = "<pad>", "<unk>"
UNKNOWN_ID = 1  # the id of UNK in every vocabulary
END = "</s>"  # the right neighbour of a sentence's last character, in bigrams
MAX_CODE_POINT = 0x10FFFF
END_CODE = 0x1FFFFF  # END as a code point: above Unicode, within the 21 bits a code point takes


class Vocabulary:
    """Tokens to ids; id 0 is padding, id 1 stands for every unknown token."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self.tokens = [PAD, UNK] + [t for t in tokens if t not in (PAD, UNK)]
        self.index = {token: i for i, token in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens):
            raise ValueError("vocabulary tokens must be unique")
        self._codes: HashIndex | np.ndarray | None = None  # codes -> ids: an array by code point for characters

    @classmethod
    def build(cls, counts: Counter, min_count: int = 1, max_size: int | None = None) -> Vocabulary:
        """Tokens seen at least ``min_count`` times, most frequent first (ties by token, so it is deterministic)."""
        kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
        return cls(kept[:max_size] if max_size else kept)

    def __len__(self) -> int:
        return len(self.tokens)

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        get = self.index.get
        return np.fromiter((get(t, UNKNOWN_ID) for t in tokens), dtype=np.int64, count=len(tokens))

    def code_ids(self, codes: np.ndarray) -> np.ndarray:
        """Ids of tokens given as codes (see :func:`token_code`): the vectorised :meth:`ids` for hot paths."""
        if self._codes is None:
            own = token_codes(self.tokens)
            known = np.flatnonzero(own >= 0)
            if len(known) and own[known].max() <= MAX_CODE_POINT:  # characters only: one array lookup
                self._codes = np.full(MAX_CODE_POINT + 2, UNKNOWN_ID, dtype=np.int32)
                self._codes[own[known]] = known
            else:
                self._codes = HashIndex(own[known], known)
        if isinstance(self._codes, np.ndarray):
            return self._codes[np.minimum(codes, MAX_CODE_POINT + 1)].astype(np.int64)
        return self._codes.get(codes, UNKNOWN_ID)

    def to_text(self) -> str:
        return "".join(token + "\n" for token in self.tokens)

    @classmethod
    def from_text(cls, text: str) -> Vocabulary:
        # split on "\n" only: a token may be a character that str.splitlines() would treat as a line break
        tokens = text.split("\n")
        if tokens and tokens[-1] == "":
            tokens.pop()
        if tokens[:2] != [PAD, UNK]:
            raise ValueError(f"a vocabulary file starts with {PAD} and {UNK}")
        return cls(tokens[2:])


def bigrams(chars: Sequence[str]) -> list[str]:
    """The bigram of each character with its right neighbour: 北京 -> [北京, 京</s>]."""
    if not chars:
        return []
    return [a + b for a, b in zip(chars, list(chars[1:]) + [END], strict=True)]


def token_code(token: str) -> int:
    """A character or a bigram as one integer: its code point, or (first << 21) | second with END as
    END_CODE; -1 for anything else (the <pad> and <unk> entries)."""
    if len(token) == 1:
        return ord(token)
    if len(token) == 2:
        return ord(token[0]) << 21 | ord(token[1])
    if len(token) == 1 + len(END) and token.endswith(END):
        return ord(token[0]) << 21 | END_CODE
    return -1


def token_codes(tokens: Sequence[str]) -> np.ndarray:
    """:func:`token_code` of every token, vectorised (a vocabulary of 100,000 bigrams takes milliseconds)."""
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    codes = np.full(len(tokens), -1, dtype=np.int64)
    single, pair = np.flatnonzero(lengths == 1), np.flatnonzero(lengths == 2)
    codes[single] = char_codes("".join(tokens[i] for i in single))
    pairs = char_codes("".join(tokens[i] for i in pair)).reshape(-1, 2)
    codes[pair] = pairs[:, 0] << 21 | pairs[:, 1]
    ends = [i for i in np.flatnonzero(lengths == 1 + len(END)) if tokens[i].endswith(END)]
    codes[ends] = char_codes("".join(tokens[i][0] for i in ends)) << 21 | END_CODE
    return codes


def first_chars(chars: Vocabulary, bigram_vocab: Vocabulary) -> np.ndarray:
    """The id in ``chars`` of the character each bigram id begins with; -1 for ids that stand for no bigram
    (padding, unknown)."""
    codes = token_codes(bigram_vocab.tokens)
    return np.where(codes >= 0, chars.code_ids(np.maximum(codes, 0) >> 21), -1)


def char_codes(text: str) -> np.ndarray:
    """The code points of ``text`` (int64), lone surrogates included."""
    return code_points(text).astype(np.int64)


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as the uint32 array its UTF-32 encoding is (a third of char_codes' memory)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


FOLDED = np.arange(max(FOLD) + 1, dtype=np.int64)  # FOLD as an array: code point -> the one it folds to
FOLDED[list(FOLD)] = list(FOLD.values())


def normalized_codes(codes: np.ndarray) -> np.ndarray:
    """:func:`~zhtagger.text.corpus.normalize` on code points (int64): one array lookup, where translating the
    text took eight times as long."""
    return np.where(codes < len(FOLDED), FOLDED[np.minimum(codes, len(FOLDED) - 1)], codes)


def bigram_codes(codes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Codes of each character's bigram with its right neighbour, for texts laid end to end (text i is
    ``codes[offsets[i]:offsets[i + 1]]``); a text's last character pairs with END."""
    following = np.empty_like(codes)
    following[:-1] = codes[1:]
    ends = offsets[1:][np.diff(offsets) > 0] - 1
    following[ends] = END_CODE
    return codes << 21 | following
