"""Character and character-bigram vocabularies, saved as plain text (one token a line, by id)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

PAD, UNK = "<pad>", "<unk>"
END = "</s>"  # the right neighbour of a sentence's last character, in bigrams


class Vocabulary:
    """Tokens to ids; id 0 is padding, id 1 stands for every unknown token."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self.tokens = [PAD, UNK] + [t for t in tokens if t not in (PAD, UNK)]
        self.index = {token: i for i, token in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens):
            raise ValueError("vocabulary tokens must be unique")

    @classmethod
    def build(cls, counts: Counter, min_count: int = 1, max_size: int | None = None) -> Vocabulary:
        """Tokens seen at least ``min_count`` times, most frequent first (ties by token, so it is deterministic)."""
        kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
        return cls(kept[:max_size] if max_size else kept)

    def __len__(self) -> int:
        return len(self.tokens)

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        get = self.index.get
        return np.fromiter((get(t, 1) for t in tokens), dtype=np.int64, count=len(tokens))

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
