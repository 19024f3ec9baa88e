"""New-word discovery in raw text: strings of Chinese characters that hold together (their parts co-occur far
more often than chance) and are free at both ends (many different characters come before and after them), the
criteria of Feng et al. 2004 (accessor variety) and Jin & Tanaka-Ishii 2006 (branching entropy), as widely
used for finding domain terms without annotation.

A candidate ``w`` of 2..max_len characters, seen at least ``min_count`` times, is a word when

- cohesion: for every way of cutting it in two, ``log(P(w) / (P(left) P(right)))`` >= ``min_cohesion``;
- freedom: the entropy of the characters just before it, and of those just after it, are >= ``min_entropy``
  (nats; each occurrence at the edge of a run of Chinese characters counts as a neighbour of its own).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@dataclass(frozen=True)
class NewWord:
    word: str
    count: int
    cohesion: float
    left_entropy: float
    right_entropy: float


def discover_words(texts: Iterable[str], max_len: int = 4, min_count: int = 3, min_cohesion: float = 3.0,
                   min_entropy: float = 1.0) -> list[NewWord]:
    """The words of ``texts`` that pass the tests above, most frequent first."""
    runs = [run for text in texts for run in HAN_RUN.findall(text)]
    counts: list[Counter] = [Counter()]
    for size in range(1, max_len + 2):
        counts.append(Counter(run[i : i + size] for run in runs for i in range(len(run) - size + 1)))
    total = sum(counts[1].values())
    if not total:
        raise ValueError("no Chinese characters in the raw text to discover words in")
    found = []
    for size in range(2, max_len + 1):
        left, right = neighbours(counts[size + 1])
        for word, count in counts[size].items():
            if count < min_count:
                continue
            cohesion = min(math.log(count * total / (counts[k][word[:k]] * counts[size - k][word[k:]]))
                           for k in range(1, size))
            if cohesion < min_cohesion:
                continue
            before, after = entropy(left.get(word), count), entropy(right.get(word), count)
            if min(before, after) >= min_entropy:
                found.append(NewWord(word, count, cohesion, before, after))
    return sorted(found, key=lambda w: (-w.count, w.word))


def neighbours(longer: Counter) -> tuple[dict[str, Counter], dict[str, Counter]]:
    """For the strings one character shorter than those of ``longer``: the counts of the character before
    them, and of the character after them."""
    left: dict[str, Counter] = defaultdict(Counter)
    right: dict[str, Counter] = defaultdict(Counter)
    for gram, count in longer.items():
        left[gram[1:]][gram[0]] += count
        right[gram[:-1]][gram[-1]] += count
    return left, right


def entropy(neighbour_counts: Counter | None, occurrences: int) -> float:
    """Entropy of a string's neighbours: the counted characters, and one distinct neighbour for each of the
    ``occurrences`` they leave unaccounted for (the string at the edge of a run)."""
    seen = list((neighbour_counts or {}).values())
    edges = occurrences - sum(seen)
    probabilities = [c / occurrences for c in seen] + [1 / occurrences] * edges
    return -sum(p * math.log(p) for p in probabilities)
