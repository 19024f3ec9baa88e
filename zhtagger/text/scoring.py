"""Scoring segmentations the way the SIGHAN bakeoff's official scorer does, plus a seqeval tag report and an
error analysis.

The official scorer aligns each gold line with its predicted line by ``diff`` on one-word-per-line files; a
word is correct when it lies on an unchanged line of the edit script. So the correct words of a line are a
longest common subsequence of the two word lists (not span matches), recall and precision are summed over
lines, and a gold word counts as missed (for OOV / IV recall) when it is outside that subsequence.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from zhtagger.optional import require
from zhtagger.text.corpus import read_text_lines, words_of_line


def common_subsequence(gold: Sequence[str], predicted: Sequence[str]) -> list[bool]:
    """For each gold word, whether it is in a longest common subsequence with ``predicted``.

    Common prefix and suffix are matched first, as diff does; the rest by dynamic programming.
    """
    head = 0
    while head < min(len(gold), len(predicted)) and gold[head] == predicted[head]:
        head += 1
    tail = 0
    while (tail < min(len(gold), len(predicted)) - head
           and gold[len(gold) - 1 - tail] == predicted[len(predicted) - 1 - tail]):
        tail += 1
    middle_gold = gold[head : len(gold) - tail]
    middle_predicted = predicted[head : len(predicted) - tail]
    matched = [True] * head + lcs_members(middle_gold, middle_predicted) + [True] * tail
    return matched


def lcs_members(a: Sequence[str], b: Sequence[str]) -> list[bool]:
    """Which items of ``a`` one longest common subsequence of ``a`` and ``b`` uses."""
    if not a or not b:
        return [False] * len(a)
    width = len(b) + 1
    table = [[0] * width for _ in range(len(a) + 1)]  # table[i][j]: LCS length of a[i:] and b[j:]
    for i in range(len(a) - 1, -1, -1):
        row, below = table[i], table[i + 1]
        ai = a[i]
        for j in range(len(b) - 1, -1, -1):
            row[j] = below[j + 1] + 1 if ai == b[j] else max(below[j], row[j + 1])
    members, i, j = [False] * len(a), 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            members[i] = True
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return members


@dataclass
class Score:
    true_words: int = 0
    test_words: int = 0
    correct: int = 0
    oov_words: int = 0
    oov_missed: int = 0
    iv_missed: int = 0
    lines: int = 0
    has_words: bool = True  # scored with a training word list: without one, OOV is undefined
    missed: Counter = field(default_factory=Counter, repr=False)  # gold words not recovered
    wrong: Counter = field(default_factory=Counter, repr=False)  # predicted words not in the gold

    @property
    def recall(self) -> float:
        return self.correct / self.true_words if self.true_words else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.test_words if self.test_words else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def oov_rate(self) -> float:
        return self.oov_words / self.true_words if self.true_words else 0.0

    @property
    def oov_recall(self) -> float:
        return 1 - self.oov_missed / self.oov_words if self.oov_words else 0.0

    @property
    def iv_recall(self) -> float:
        iv_words = self.true_words - self.oov_words
        return 1 - self.iv_missed / iv_words if iv_words else 0.0

    def as_dict(self) -> dict:
        """The counts and rates; without a word list, none of those about OOV and IV words."""
        oov = ("oov_words", "oov_missed", "iv_missed", "oov_rate", "oov_recall", "iv_recall")
        counts = {k: v for k, v in asdict(self).items() if k not in ("missed", "wrong", "has_words")}
        rates = {name: getattr(self, name) for name in ("recall", "precision", "f1", "oov_rate", "oov_recall",
                                                        "iv_recall")}
        return {k: v for k, v in {**counts, **rates}.items() if self.has_words or k not in oov}

    def table(self) -> str:
        """The official scorer's summary lines, three decimals; the OOV lines only with a word list."""
        lines = [
            f"=== TOTAL TRUE WORD COUNT:\t{self.true_words}",
            f"=== TOTAL TEST WORD COUNT:\t{self.test_words}",
            f"=== TOTAL TRUE WORDS RECALL:\t{self.recall:.3f}",
            f"=== TOTAL TEST WORDS PRECISION:\t{self.precision:.3f}",
            f"=== F MEASURE:\t{self.f1:.3f}",
        ]
        if self.has_words:
            lines += [f"=== OOV Rate:\t{self.oov_rate:.3f}", f"=== OOV Recall Rate:\t{self.oov_recall:.3f}",
                      f"=== IV Recall Rate:\t{self.iv_recall:.3f}"]
        else:
            lines.append("=== (no training word list: OOV and IV recall need one, --words)")
        return "\n".join(lines)


def score(gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]], words: set[str] | None = None) -> Score:
    """Score parallel lists of word lists; ``words`` (the training word list) defines OOV."""
    result = Score(has_words=bool(words))
    words = words or set()
    gold, predicted = list(gold), list(predicted)
    if len(gold) != len(predicted):
        raise ValueError(f"gold has {len(gold)} lines but the prediction has {len(predicted)}")
    for gold_words, predicted_words in zip(gold, predicted, strict=True):
        if not gold_words:
            continue
        result.lines += 1
        matched = common_subsequence(gold_words, predicted_words)
        result.true_words += len(gold_words)
        result.test_words += len(predicted_words)
        result.correct += sum(matched)
        for word, hit in zip(gold_words, matched, strict=True):
            oov = word not in words
            result.oov_words += oov
            if not hit:
                result.missed[word] += 1
                result.oov_missed += oov
                result.iv_missed += not oov
        result.wrong.update(set_difference(predicted_words, gold_words))
    return result


def set_difference(predicted: Sequence[str], gold: Sequence[str]) -> list[str]:
    """Predicted words left over after matching them against the gold words as a multiset."""
    remaining = Counter(gold)
    extra = []
    for word in predicted:
        if remaining[word]:
            remaining[word] -= 1
        else:
            extra.append(word)
    return extra


def read_lines(path: str | os.PathLike) -> list[list[str]]:
    """A segmented file as word lists; trailing empty lines dropped so both files line up."""
    lines = [words_of_line(line) for line in read_text_lines(path)]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def read_word_list(path: str | os.PathLike) -> set[str]:
    return {line.strip() for line in read_text_lines(path) if line.strip()}


def score_files(gold: str | os.PathLike, predicted: str | os.PathLike, words: str | os.PathLike | None = None
                ) -> Score:
    gold_lines, predicted_lines = read_lines(gold), read_lines(predicted)
    if len(gold_lines) != len(predicted_lines):
        raise ValueError(f"{gold} has {len(gold_lines)} lines but {predicted} has {len(predicted_lines)}; "
                         "a prediction needs one line per gold line")
    return score(gold_lines, predicted_lines, read_word_list(words) if words else None)


def error_analysis(result: Score, words: set[str] | None, top: int = 50) -> str:
    """The most frequent missed gold words and wrongly produced words, each split OOV / IV."""
    words = words or set()
    sections = []
    for title, counter in (("missed gold words", result.missed), ("wrongly produced words", result.wrong)):
        for kind, keep in (("OOV", lambda w: w not in words), ("IV", lambda w: w in words)):
            rows = [(w, c) for w, c in counter.most_common() if keep(w)][:top]
            total = sum(c for w, c in counter.items() if keep(w))
            sections.append(f"## {title}, {kind} ({total} in all)\n" + "\n".join(f"{c}\t{w}" for w, c in rows))
    return "\n\n".join(sections) + "\n"


def seqeval_report(gold_tags: list[list[int]], predicted_tags: list[list[int]]) -> str:
    """seqeval's strict IOBES report; seqeval has no M, so BMES -> IOBES with M as I, typed as words (W)."""
    classification_report = require("seqeval.metrics", "a seqeval report").classification_report
    IOBES = require("seqeval.scheme", "a seqeval report").IOBES
    names = {0: "B-W", 1: "I-W", 2: "E-W", 3: "S-W"}

    def convert(rows):
        return [[names[int(t)] for t in row] for row in rows]

    return classification_report(convert(gold_tags), convert(predicted_tags), mode="strict", scheme=IOBES, digits=4)
