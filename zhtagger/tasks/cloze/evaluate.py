"""Evaluating a cloze model on probes: one word masked in a dev sentence, ranked over the vocabulary and
against four distractors of similar frequency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from zhtagger.tasks.cloze.config import Unit
from zhtagger.tasks.cloze.data import MASK_ID, is_punctuation, unit_tokens
from zhtagger.text.vocab import Vocabulary

if TYPE_CHECKING:
    from zhtagger.tasks.cloze.predictor import Cloze


@dataclass
class Probe:
    """One evaluation item: a sentence, the masked position, and four distractors of similar frequency."""

    words: list[str]
    position: int
    distractors: list[str]


def content_words(vocabulary: Vocabulary) -> list[int]:
    """Ids of the vocabulary's words that can be answers (not punctuation), most frequent first."""
    return [i for i in range(MASK_ID + 1, len(vocabulary)) if not is_punctuation(vocabulary.tokens[i])]


def make_probes(sentences: Sequence[Sequence[str]], vocabulary: Vocabulary, n: int, seed: int) -> list[Probe]:
    """``n`` items: seeded random sentences, one seeded random non-punctuation word masked in each (one item
    per sentence). Distractors are the 4 words nearest the answer in frequency rank among the vocabulary's
    non-punctuation words; an unknown answer gets the rarest ones."""
    rng = np.random.default_rng(seed)
    candidates = [s for s in sentences if len(s) >= 2 and any(not is_punctuation(w) for w in s)]
    content = content_words(vocabulary)
    place = {word_id: rank for rank, word_id in enumerate(content)}
    probes = []
    for index in rng.permutation(len(candidates))[:n]:
        sentence = list(candidates[index])
        options = [i for i, w in enumerate(sentence) if not is_punctuation(w)]
        position = options[int(rng.integers(len(options)))]
        rank = place.get(vocabulary.index.get(sentence[position], -1), len(content))
        near = sorted((r for r in range(max(0, rank - 4), min(len(content), rank + 5)) if r != rank),
                      key=lambda r: (abs(r - rank), r))[:4]
        probes.append(Probe(sentence, position, [vocabulary.tokens[content[r]] for r in near]))
    return probes


def evaluate_cloze(model: Cloze, probes: Sequence[Probe], batch: int = 256) -> dict[str, float]:
    """accuracy@1, accuracy@5 and MRR over the whole vocabulary (an unknown answer counts as a miss), and
    accuracy at picking the answer among it and its 4 distractors (all scored as in :meth:`Cloze.rank`).
    A character model has no word vocabulary to rank: it gets the 5-way choice only, each option scored by
    :meth:`Cloze.fill_scores` (its characters masked)."""
    return summarise(*probe_outcomes(model, probes, batch))


def probe_outcomes(model: Cloze, probes: Sequence[Probe], batch: int = 256) -> tuple[np.ndarray | None, np.ndarray]:
    """Per probe: the answer's rank over the vocabulary (None for a character model) and whether it beats its
    distractors."""
    if model.config.unit is Unit.CHAR:
        return None, five_way_by_pieces(model, probes)
    return probe_ranks(model, probes, batch)


def five_way_by_pieces(model: Cloze, probes: Sequence[Probe]) -> np.ndarray:
    """Per probe: whether the answer outscores its 4 distractors, each option scored in its context."""
    def tokens(words: Sequence[str]) -> list[str]:
        return [t for w in words for t in unit_tokens(w, model.config.unit)]

    items = [(tokens(p.words[: p.position]), option, tokens(p.words[p.position + 1 :]))
             for p in probes for option in [p.words[p.position], *p.distractors]]
    scores = model.fill_scores(items)
    ends = np.cumsum([1 + len(p.distractors) for p in probes])
    return np.array([int(np.argmax(scores[end - 1 - len(p.distractors) : end])) == 0
                     for p, end in zip(probes, ends, strict=True)], dtype=bool)


def probe_ranks(model: Cloze, probes: Sequence[Probe], batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Per probe: the answer's rank over the vocabulary (1 = best; 0 when the answer is not in the vocabulary),
    and whether it beats its 4 distractors."""
    ranks = np.zeros(len(probes), dtype=np.int64)
    five_way = np.zeros(len(probes), dtype=bool)
    for start in range(0, len(probes), batch):
        chunk = probes[start : start + batch]
        scores = model.scores_at([p.words for p in chunk], [[p.position] for p in chunk])
        for i, (probe, row) in enumerate(zip(chunk, scores, strict=True), start):
            row = row[0].copy()
            row[model.not_answers()] = -float("inf")  # as in fill: words only
            answer = model.words.index.get(probe.words[probe.position], 1)
            if answer > MASK_ID:
                ranks[i] = int((row > row[answer]).sum()) + 1
                options = [answer] + [model.words.index[w] for w in probe.distractors]
                five_way[i] = int(row[options].argmax()) == 0
    return ranks, five_way


def summarise(ranks: np.ndarray | None, five_way: np.ndarray) -> dict[str, float]:
    """The metrics of :func:`evaluate_cloze` from per-probe ranks (0: a miss; None: no ranking, 5-way only) and
    5-way outcomes."""
    n = max(len(five_way), 1)
    metrics = {"five_way": float(five_way.sum() / n), "n": len(five_way)}
    if ranks is not None:
        reciprocal = np.divide(1.0, ranks, out=np.zeros(len(ranks)), where=ranks > 0)
        metrics |= {"acc1": float((ranks == 1).sum() / n), "acc5": float(((ranks >= 1) & (ranks <= 5)).sum() / n),
                    "mrr": float(reciprocal.sum() / n)}
    return metrics


def unigram_baseline(probes: Sequence[Probe], vocabulary: Vocabulary) -> dict[str, float]:
    """The same metrics for always answering by frequency (non-punctuation words, most frequent first)."""
    place = {word_id: rank + 1 for rank, word_id in enumerate(content_words(vocabulary))}
    ranks = np.array([place.get(vocabulary.index.get(p.words[p.position], -1), 0) for p in probes], dtype=np.int64)
    five_way = np.array([rank > 0 and all(rank < place[vocabulary.index[w]] for w in p.distractors)
                         for p, rank in zip(probes, ranks, strict=True)], dtype=bool)
    return summarise(ranks, five_way)
