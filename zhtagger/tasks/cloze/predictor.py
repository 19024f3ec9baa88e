"""Cloze: fill a blank from both sides of its context, with the shared core unchanged.

A sentence is a sequence of words (gold-segmented corpora give them; raw text is cut by a private jieba
``Tokenizer``, never jieba's global state). Training replaces some words by ``<mask>`` and asks the model for
them: the core reads the whole sentence (forward, backward or both directions) and its per-step Linear maps
each step to a vector of the embedding size; the score of word w at a masked step is that vector times w's
input embedding, plus a per-word bias (tied embeddings). Scores are computed at masked steps only, so the
cost of a large vocabulary is paid for a few positions a sentence, not all of them.

``rank`` scores candidates of any length, also words the vocabulary lacks: a candidate is cut into known
words (jieba, then characters), the blank becomes that many masks, and its score is the sum of the pieces'
log-probabilities at their masks (the pseudo-log-likelihood of masked language models).

``ClozeConfig(unit="char")`` makes the same model over characters, for comparison: training masks whole
words (all their characters), and a candidate is scored by masking its characters. It gets no vocabulary-wide
ranking (no word vocabulary), only choices among given candidates; scripts/bench_cloze.py measures both.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from zhtagger.core.config import TaggerConfig
from zhtagger.evaluation import Evaluation
from zhtagger.modeldir import check_vocabulary_size, read_config, read_text_file, read_weights, save_model
from zhtagger.registry import resolve
from zhtagger.tasks.base import Predictor
from zhtagger.tasks.cloze.config import ClozeConfig, Unit
from zhtagger.tasks.cloze.data import MASK, MASK_ID, is_punctuation, jieba_tokenizer, parse_blank, word_vocabulary
from zhtagger.tasks.cloze.light import LightClozeNet
from zhtagger.text.vocab import Vocabulary

if TYPE_CHECKING:
    from zhtagger.tasks.cloze.evaluate import Probe

TASK = "cloze"
WORDS_FILE = "words.txt"


class Cloze(Predictor):
    """A trained cloze model: ``fill(text, k)`` and ``rank(text, candidates)``."""

    task = TASK
    caches = ("_tokenizer", "_not_answers")  # jieba's tokenizer holds a lock: made again where unpickled

    def __init__(self, net, config: ClozeConfig, words: Vocabulary, unknown_types: int = 1,
                 record: dict | None = None) -> None:
        self.net = net.eval() if hasattr(net, "eval") else net  # a torch ClozeNet, or its numpy twin
        self.config = config
        self.words = words
        self.unknown_types = max(unknown_types, 1)  # training word types behind <unk>: they share its probability
        self.record = record or {}  # how it was trained: "train" (TrainConfig) and "extra", kept in config.json
        self._tokenizer = None
        self._not_answers = None

    def not_answers(self) -> np.ndarray:
        """Ids never offered as a fill-in: <pad>, <unk>, <mask> and punctuation."""
        if self._not_answers is None:
            self._not_answers = np.array([i for i, w in enumerate(self.words.tokens)
                                          if i <= MASK_ID or is_punctuation(w)], dtype=np.int64)
        return self._not_answers

    def tokenize(self, text: str) -> list[str]:
        """The model's tokens of a text: jieba's words, or its characters (whitespace dropped)."""
        if self.config.unit is Unit.CHAR:
            return [ch for ch in text if not ch.isspace()]
        if self._tokenizer is None:
            self._tokenizer = jieba_tokenizer()
        return [w for w in self._tokenizer.cut(text) if w.strip()]

    def pieces(self, word: str) -> list[str]:
        """``word`` as known words: itself, else its jieba words, else characters for the unknown ones (a
        character model: its characters)."""
        if self.config.unit is Unit.CHAR:
            return list(word)
        if word in self.words.index:
            return [word]
        return [p for w in self.tokenize(word) for p in ([w] if w in self.words.index else list(w))]

    def scores_at(self, sentences: Sequence[Sequence[str]], positions: Sequence[Sequence[int]]
                  ) -> list[np.ndarray]:
        """Log-probabilities over the vocabulary (rows, V) at the given positions of each word list, the words
        at those positions replaced by <mask>."""
        lengths = np.array([max(len(s), 1) for s in sentences], dtype=np.int64)
        inputs = np.zeros((len(sentences), int(lengths.max())), dtype=np.int64)
        where = np.zeros(inputs.shape, dtype=bool)
        for row, (sentence, masked) in enumerate(zip(sentences, positions, strict=True)):
            inputs[row, : len(sentence)] = self.words.ids(sentence)
            inputs[row, list(masked)] = MASK_ID
            where[row, list(masked)] = True
        scores = self.net.masked_log_probs(inputs, lengths, where)  # (N, V), rows in reading order
        return np.split(scores, np.cumsum([len(p) for p in positions])[:-1])

    def fill(self, text: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` likeliest words for the blank (a character model: characters), with their probabilities."""
        left, right = parse_blank(text)
        before, after = self.tokenize(left), self.tokenize(right)
        scores = self.scores_at([before + [MASK] + after], [[len(before)]])[0][0].copy()
        scores[self.not_answers()] = -np.inf
        best = np.argsort(-scores, kind="stable")[: min(k, len(self.words) - len(self.not_answers()))]
        return [(self.words.tokens[i], float(np.exp(scores[i]))) for i in best]

    def rank(self, text: str, candidates: Iterable[str]) -> list[tuple[str, float]]:
        """Candidates for the blank, best first, each with its log-probability (summed over its pieces; an
        unknown piece gets the probability of <unk> shared evenly among the rare words behind it)."""
        left, right = parse_blank(text)
        before, after = self.tokenize(left), self.tokenize(right)
        candidates = [c for c in candidates]
        if not candidates or any(not c.strip() for c in candidates):
            raise ValueError("give one or more non-empty candidates")
        totals = self.fill_scores([(before, c.strip(), after) for c in candidates])
        return sorted(zip(candidates, totals, strict=True), key=lambda pair: -pair[1])

    def fill_scores(self, items: Sequence[tuple[list[str], str, list[str]]], batch: int = 512) -> list[float]:
        """Log-probability of each (tokens before, candidate, tokens after): the candidate's pieces masked, their
        log-probabilities summed (an unknown piece pays <unk>'s probability shared among the rare words)."""
        penalty = float(np.log(self.unknown_types))
        totals = []
        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            pieces = [self.pieces(candidate) for _, candidate, _ in chunk]
            sentences = [[*before, *piece, *after] for (before, _, after), piece in zip(chunk, pieces, strict=True)]
            positions = [list(range(len(before), len(before) + len(piece)))
                         for (before, _, _), piece in zip(chunk, pieces, strict=True)]
            for row, piece in zip(self.scores_at(sentences, positions), pieces, strict=True):
                ids = self.words.ids(piece)
                totals.append(float(row[np.arange(len(piece)), ids].sum()) - penalty * int((ids == 1).sum()))
        return totals

    def predict(self, inputs: Sequence[str], k: int = 5) -> list[list[tuple[str, float]]]:
        """The ``k`` likeliest fill-ins of each text's blank (:meth:`fill`)."""
        return [self.fill(text, k) for text in inputs]

    def evaluate(self, gold: Sequence[Sequence[str]] | Sequence[Probe], n: int = 2000, seed: int = 0) -> Evaluation:
        """Accuracy@1, accuracy@5 and MRR over the vocabulary and the 5-way choice (see
        :func:`~zhtagger.tasks.cloze.evaluate.evaluate_cloze`) on probes, or on ``n`` probes made from gold word
        lists with ``seed`` (a character model draws distractors from the gold sentences' words)."""
        from zhtagger.tasks.cloze.evaluate import Probe, evaluate_cloze, make_probes

        probes = list(gold)
        if probes and not isinstance(probes[0], Probe):
            words = self.words if self.config.unit is Unit.WORD else word_vocabulary(probes, self.config)
            probes = make_probes(probes, words, n, seed)
        return Evaluation(TASK, evaluate_cloze(self, probes))

    def save(self, path: str | os.PathLike, half: bool = False, extra_files: dict[str, str] | None = None) -> Path:
        """Save as a model directory; ``half`` stores the weights as float16 (for shipping)."""
        files = {WORDS_FILE: self.words.to_text(), **(extra_files or {})}
        config = self.saved_config(self.net.config, self.config, unknown_types=self.unknown_types)
        return save_model(path, config, self.net.weights(), files, half)

    @classmethod
    def load(cls, model: str | os.PathLike | None = None, device: str = "cpu", engine: str = "auto") -> Cloze:
        """The shipped model (no argument), or a model directory by path. ``engine``: "numpy" (no torch
        needed), "torch" (on ``device``), or "auto" (torch for a GPU, else numpy)."""
        if engine not in ("auto", "numpy", "torch"):
            raise ValueError(f"engine must be auto, numpy or torch; got {engine!r}")
        path = resolve(model, TASK)
        config = read_config(path, TASK)
        if engine == "torch" or str(device) != "cpu":
            from zhtagger.core.checkpoint import load_model
            from zhtagger.tasks.cloze.network import ClozeNet

            net, _ = load_model(path, TASK, device, lambda core, _: ClozeNet(core))
        else:
            net = LightClozeNet(TaggerConfig(**config["core"]), read_weights(path))
        words = Vocabulary.from_text(read_text_file(path, WORDS_FILE))
        check_vocabulary_size(path, WORDS_FILE, len(words), config["core"]["vocab_sizes"][0])
        cloze = cls(net, ClozeConfig(**config["settings"]), words, config["extra"].get("unknown_types", 1),
                    cls.record_of(config))
        return cloze.loaded_from(model, device=device, engine=engine)
