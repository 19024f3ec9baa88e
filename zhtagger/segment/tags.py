"""Words <-> BMES tags, and the BMES transition rules written once as a table.

B begins a multi-character word, M continues it, E ends it, S is a single-character word.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

TAGS = ("B", "M", "E", "S")
TAG_INDEX = {tag: index for index, tag in enumerate(TAGS)}
B, M, E, S = range(4)

# ALLOWED[previous][next]: B and M are followed by M or E; E and S by B or S.
ALLOWED = (
    (False, True, True, False),  # after B
    (False, True, True, False),  # after M
    (True, False, False, True),  # after E
    (True, False, False, True),  # after S
)
ALLOWED_START = (True, False, False, True)  # a sentence starts with B or S
ALLOWED_END = (False, False, True, True)  # and ends with E or S


def word_tags(length: int) -> list[int]:
    """Tag ids of one word of ``length`` characters."""
    if length == 1:
        return [S]
    return [B] + [M] * (length - 2) + [E]


def words_to_tags(words: Sequence[str]) -> list[int]:
    """['我', '爱', '北京'] -> [S, S, B, E] (tag ids, one per character)."""
    tags: list[int] = []
    for word in words:
        if not word:
            raise ValueError("words must be non-empty strings")
        tags.extend(word_tags(len(word)))
    return tags


def joint_tags(words: Sequence[str], pos: Sequence[str], pos_index: dict[str, int]) -> list[int]:
    """Joint (BMES, POS) tag ids, ``bmes * len(pos_index) + pos``: ['北京'], ['ns'] -> [B * n + ns, E * n + ns]."""
    labels = [pos_index[label] for word, label in zip(words, pos, strict=True) for _ in word]
    return [tag * len(pos_index) + label for tag, label in zip(words_to_tags(words), labels, strict=True)]


def tags_to_words(chars: str | Sequence[str], tags: Sequence[int] | np.ndarray) -> list[str]:
    """Cut ``chars`` into words after every E or S tag (and at the end). Never drops a character.

    Any tag sequence is accepted; an illegal one (from greedy decoding, say) is read leniently: a word ends
    after E or S, or before B or S.
    """
    text = chars if isinstance(chars, str) else "".join(chars)
    tags = np.asarray(tags)
    if len(text) != len(tags):
        raise ValueError(f"need one tag per character; got {len(text)} characters and {len(tags)} tags")
    closes, opens = (tags == E) | (tags == S), (tags == B) | (tags == S)
    edges = [0, *(np.flatnonzero(closes[:-1] | opens[1:]) + 1).tolist(), len(text)] if len(text) else [0]
    return [text[a:b] for a, b in zip(edges, edges[1:], strict=False)]


def is_legal(tags: Sequence[int]) -> bool:
    """Whether ``tags`` obeys the BMES rules (an empty sequence is legal)."""
    if not tags:
        return True
    if not (ALLOWED_START[tags[0]] and ALLOWED_END[tags[-1]]):
        return False
    return all(ALLOWED[a][b] for a, b in zip(tags, tags[1:], strict=False))
