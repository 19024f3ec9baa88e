"""Words <-> BMES tags, the BMES transition rules written once as a table, and Viterbi decoding under them.

B begins a multi-character word, M continues it, E ends it, S is a single-character word.
"""

from __future__ import annotations

import itertools
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
    return texts_to_words(text, np.asarray(tags), np.array([0, len(text)]))[0]


def texts_to_words(text: str, tags: np.ndarray, offsets: np.ndarray, shared: dict[str, str] | None = None
                   ) -> list[list[str]]:
    """:func:`tags_to_words` for many texts laid end to end in ``text`` (text i is
    ``text[offsets[i]:offsets[i + 1]]``) with their tags (one per character), in one pass. Each distinct word
    is one string object, also across calls given the same ``shared`` dict: a big text's tokens take a tenth of
    the memory."""
    if len(text) != len(tags):
        raise ValueError(f"need one tag per character; got {len(text)} characters and {len(tags)} tags")
    cut = np.zeros(len(text) + 1, dtype=bool)  # a word begins at each True (the last: the end)
    cut[1:-1] = (tags[:-1] == E) | (tags[:-1] == S) | (tags[1:] == B) | (tags[1:] == S)
    cut[offsets] = True
    edges = np.flatnonzero(cut)
    words = split_at(text, edges[1:-1])
    shared = {} if shared is None else shared
    words = list(map(shared.setdefault, words, words))
    firsts = np.searchsorted(edges, offsets).tolist()  # each text's first word
    return [words[a:b] for a, b in zip(firsts, firsts[1:], strict=False)]


def split_at(text: str, positions: np.ndarray) -> list[str]:
    """``text`` cut before each of the (increasing, inner) ``positions``: a character found nowhere in the text
    goes in at each and ``str.split`` cuts there (a third of the time slicing each word takes)."""
    if not text:
        return []
    separator = next(char for char in map(chr, itertools.count()) if char not in text)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    marked = np.insert(codes, positions, ord(separator))
    return marked.tobytes().decode("utf-32-le", "surrogatepass").split(separator)


def is_legal(tags: Sequence[int]) -> bool:
    """Whether ``tags`` obeys the BMES rules (an empty sequence is legal)."""
    if not tags:
        return True
    if not (ALLOWED_START[tags[0]] and ALLOWED_END[tags[-1]]):
        return False
    return all(ALLOWED[a][b] for a, b in zip(tags, tags[1:], strict=False))


IMPOSSIBLE = -1e4  # the score of a forbidden tag: finite, so sums never become NaN
RULES = (ALLOWED, ALLOWED_START, ALLOWED_END)


def bmes_viterbi(emissions: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """:func:`viterbi` under the BMES rules alone, in numpy: the fast path for inference.

    emissions (B, T, 4) per-step scores (IMPOSSIBLE where a tag is forbidden), lengths (B,) -> tags (B, T), 0 at
    padded steps. Under the rules only two states matter: the best path ending in a closed word (E or S) and
    the best ending inside an open one (B or M); S (from closed) and E (from open) close a word, B (from closed)
    and M (from open) open one. So each step is three array operations over the batch, and the backpointers
    are two bits.
    """
    batch, steps, _ = emissions.shape
    # (T, to closed|open, from closed|open, B): [[S, E], [B, M]] at each step
    scores = np.ascontiguousarray(emissions[:, :, [S, E, B, M]].transpose(1, 2, 0), dtype=np.float32)
    scores = scores.reshape(steps, 2, 2, batch)
    padded = np.arange(steps)[:, None] >= lengths[None, :]  # (T, B)
    # past its end a row goes on with S at no cost, which also makes it end in E or S
    scores = np.where(padded[:, None, None, :], PAST_THE_END, scores)
    from_open = np.empty((steps, 2, batch), dtype=bool)  # whether each state's best path came from an open word
    best = scores[0, :, 0].copy()  # (2, B): a text starts after a closed word, with S or B
    candidates = np.empty((2, 2, batch), dtype=np.float32)
    from_closed_scores, from_open_scores = candidates[:, 0], candidates[:, 1]
    for t in range(1, steps):
        np.add(scores[t], best, out=candidates)
        np.greater(from_open_scores, from_closed_scores, out=from_open[t])
        np.maximum(from_open_scores, from_closed_scores, out=best)
    states = np.zeros((steps, batch), dtype=np.int64)  # 1 where a word is open; the last step closes one
    for t in range(steps - 1, 0, -1):
        states[t - 1] = np.where(states[t], from_open[t, 1], from_open[t, 0])
    previous = np.zeros_like(states)  # a text begins after a closed word
    previous[1:] = states[:-1]
    tags = TAG_OF_STATES[states, previous]
    tags[padded] = 0
    return tags.T


TAG_OF_STATES = np.array([[S, E], [B, M]])  # [state][previous state] -> the tag between them
PAST_THE_END = np.array([[[0], [IMPOSSIBLE]], [[IMPOSSIBLE], [IMPOSSIBLE]]], dtype=np.float32)  # only S, free
