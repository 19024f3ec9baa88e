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

import logging
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import partial
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from zhtagger.model import Direction, SequenceTagger, TaggerConfig, parse_enum, require_positive
from zhtagger.modeldir import load_model, read_text_file, save_model
from zhtagger.segment.corpus import Format, read_corpus, read_text_lines
from zhtagger.segment.vocab import Vocabulary
from zhtagger.training import Batch, FitResult, TrainConfig, config_dict, fit, hold_out, length_bucketed

logger = logging.getLogger(__name__)

TASK = "cloze"
WORDS_FILE = "words.txt"
MASK = "<mask>"
MASK_ID = 2  # after <pad> and <unk>
BLANK = re.compile(r"_{2,}|＿+|\[MASK\]")
SHIPPED = "cloze"


def is_punctuation(word: str) -> bool:
    """Words made of punctuation and symbols only: never masked, never the answer."""
    return all(unicodedata.category(ch)[0] in "PSZ" for ch in word)


class Unit(str, Enum):
    WORD = "word"  # one step a word: a fill-in is scored in one softmax over the word vocabulary
    CHAR = "char"  # one step a character: a fill-in of k characters is k masks (whole words masked in training)


@dataclass
class ClozeConfig:
    """Settings of a cloze model; stored in its model directory."""

    # defaults: the benchmarked and shipped model (scripts/bench_cloze.py)
    embedding_dim: int = 128
    hidden: int = 192
    layers: int = 2  # stacked: a bidirectional model's upper layer sees both sides of the blank at once
    direction: Direction = Direction.BIDIRECTIONAL
    unit: Unit = Unit.WORD
    dropout: float = 0.2
    min_count: int = 3  # words seen fewer times are <unk>
    max_vocab: int = 50_000
    max_words: int = 64  # longer sentences are cut into pieces this long for training
    mask_rate: float = 0.15  # share of the (non-punctuation) words masked in a training sentence, at least one
    batch_size: int = 64
    sampled: int = 2048  # > 0: train with a sampled softmax over this many words a batch; 0: the full softmax

    def __post_init__(self) -> None:
        self.direction = parse_enum(Direction, self.direction, "direction")
        self.unit = parse_enum(Unit, self.unit, "unit")
        for option in ("embedding_dim", "hidden", "layers", "min_count", "max_vocab", "max_words", "batch_size"):
            require_positive(getattr(self, option), option.replace("_", "-"))
        if self.sampled < 0:
            raise ValueError(f"sampled must be >= 0; got {self.sampled!r}")
        if not 0 < self.mask_rate <= 1:
            raise ValueError(f"mask-rate must be in (0, 1]; got {self.mask_rate!r}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1); got {self.dropout!r}")

    def to_dict(self) -> dict:
        return {**self.__dict__, "direction": self.direction.value, "unit": self.unit.value}


class ClozeNet(nn.Module):
    """The shared core over word ids, its outputs scored against the (tied) input embeddings."""

    def __init__(self, core_config: TaggerConfig, sampled: int = 0) -> None:
        super().__init__()
        self.core = SequenceTagger(core_config)
        self.bias = nn.Parameter(torch.zeros(core_config.vocab_sizes[0]))
        self.sampled = sampled  # training only: the size of the sampled softmax (0: full softmax)

    @property
    def config(self) -> TaggerConfig:
        return self.core.config

    def masked_scores(self, inputs: Tensor, lengths: Tensor, where: Tensor) -> Tensor:
        """Log-probabilities over the vocabulary at the masked steps ``where`` (B, T) bool -> (N, V)."""
        vectors = self.core(inputs, lengths)[where]  # (N, E): the per-step Linear of the core
        logits = vectors @ self.core.embeddings[0].weight.T + self.bias
        logits[:, [0, MASK_ID]] = -1e4  # never <pad> or <mask> itself; <unk> stands for every rare word
        return logits.log_softmax(-1)

    def loss(self, batch: Batch) -> Tensor:
        where = batch.targets > 0
        if not (self.training and self.sampled):
            return nn.functional.nll_loss(self.masked_scores(batch.inputs, batch.lengths, where), batch.targets[where])
        return self.sampled_loss(self.core(batch.inputs, batch.lengths)[where], batch.targets[where])

    def sampled_loss(self, vectors: Tensor, targets: Tensor) -> Tensor:
        """Sampled softmax (Jean et al. 2015): the answer against ``self.sampled`` words drawn from a Zipf
        (log-uniform) distribution over the frequency-sorted vocabulary, scores corrected by the log of each
        word's expected count; the answer drawn as a sample is left out. The output layer then costs
        ``sampled`` words a batch instead of the whole vocabulary (measured in scripts/bench_cloze.py)."""
        samples = sample_words(self.sampled, self.bias.numel(), vectors.device)
        log_expected = partial(log_expected_counts, samples=self.sampled, vocab_size=self.bias.numel())
        table = self.core.embeddings[0].weight
        true = (vectors * table[targets]).sum(-1) + self.bias[targets] - log_expected(targets)  # (N,)
        sampled = vectors @ table[samples].T + self.bias[samples] - log_expected(samples)  # (N, S)
        sampled = sampled.masked_fill(samples.unsqueeze(0) == targets.unsqueeze(1), -1e4)
        logits = torch.cat([true.unsqueeze(1), sampled], dim=1)
        return nn.functional.cross_entropy(logits, torch.zeros_like(targets))


# The sampled softmax draws from a Zipf (log-uniform) distribution over ranks: <unk> first (it stands for
# every rare word, so it is frequent), then the words by falling frequency (ids MASK_ID + 1, ...).
def sample_words(count: int, vocab_size: int, device: torch.device | str = "cpu") -> Tensor:
    ranks = sampling_ranks(vocab_size)
    draws = (torch.rand(count, device=device) * math.log(ranks + 1)).exp().long() - 1
    rank = draws.clamp(0, ranks - 1)
    return torch.where(rank == 0, 1, rank + MASK_ID)


def log_expected_counts(ids: Tensor, samples: int, vocab_size: int) -> Tensor:
    """log(samples * Q(id)), with Q(rank) = log((rank + 2) / (rank + 1)) / log(ranks + 1)."""
    rank = torch.where(ids == 1, 0, ids - MASK_ID).float()
    return math.log(samples) + torch.log(torch.log1p(1 / (rank + 1)) / math.log(sampling_ranks(vocab_size) + 1))


def sampling_ranks(vocab_size: int) -> int:
    return vocab_size - MASK_ID  # <unk> and the real words


def build_net(config: ClozeConfig, vocab_size: int) -> ClozeNet:
    return ClozeNet(TaggerConfig(n_outputs=config.embedding_dim, vocab_sizes=(vocab_size,),
                                 embedding_dims=(config.embedding_dim,), hidden=config.hidden,
                                 layers=config.layers, direction=config.direction, dropout=config.dropout),
                    config.sampled)


def jieba_tokenizer():
    """A private jieba tokenizer (jieba's global one is the user's), quiet."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.Tokenizer()


def read_sentences(path: str | os.PathLike, format: Format | str | None = None, tokenizer=None) -> list[list[str]]:
    """Word lists of a training file: ``format`` words/pos/conll read gold words; None (raw text) cuts each
    line with jieba."""
    if format is not None:
        return read_corpus(path, format).sentences
    tokenizer = tokenizer or jieba_tokenizer()
    return [[w for w in tokenizer.cut(line) if w.strip()] for line in read_text_lines(path) if line.strip()]


def parse_blank(text: str) -> tuple[str, str]:
    """The text left and right of its one blank (``____``, ``＿＿`` or ``[MASK]``)."""
    blanks = list(BLANK.finditer(text))
    if not blanks:
        raise ValueError("no blank in the text: write the blank as ____ (ASCII or full-width underscores) or [MASK]")
    if len(blanks) > 1:
        raise ValueError(f"{len(blanks)} blanks in the text; a cloze fills one blank at a time, so leave one "
                         "and write the others' words in")
    return text[: blanks[0].start()], text[blanks[0].end() :]


class Cloze:
    """A trained cloze model: ``fill(text, k)`` and ``rank(text, candidates)``."""

    def __init__(self, net: ClozeNet, config: ClozeConfig, words: Vocabulary, unknown_types: int = 1) -> None:
        self.net = net.eval()
        self.config = config
        self.words = words
        self.unknown_types = max(unknown_types, 1)  # training word types behind <unk>: they share its probability
        self._tokenizer = None
        self._not_answers = None

    def not_answers(self) -> Tensor:
        """Ids never offered as a fill-in: <pad>, <unk>, <mask> and punctuation."""
        if self._not_answers is None:
            self._not_answers = torch.tensor([i for i, w in enumerate(self.words.tokens)
                                              if i <= MASK_ID or is_punctuation(w)], dtype=torch.long)
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

    @torch.inference_mode()
    def scores_at(self, sentences: Sequence[Sequence[str]], positions: Sequence[Sequence[int]]) -> list[Tensor]:
        """Log-probabilities over the vocabulary (rows, V) at the given positions of each word list, the words
        at those positions replaced by <mask>."""
        self.net.eval()
        lengths = torch.tensor([max(len(s), 1) for s in sentences])
        inputs = torch.zeros(len(sentences), int(lengths.max()), dtype=torch.long)
        where = torch.zeros_like(inputs, dtype=torch.bool)
        for row, (sentence, masked) in enumerate(zip(sentences, positions, strict=True)):
            inputs[row, : len(sentence)] = torch.from_numpy(self.words.ids(sentence))
            inputs[row, list(masked)] = MASK_ID
            where[row, list(masked)] = True
        scores = self.net.masked_scores(inputs, lengths, where)
        return list(scores.split([len(p) for p in positions]))

    def fill(self, text: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` likeliest words for the blank (a character model: characters), with their probabilities."""
        left, right = parse_blank(text)
        before, after = self.tokenize(left), self.tokenize(right)
        scores = self.scores_at([before + [MASK] + after], [[len(before)]])[0][0].clone()
        scores[self.not_answers()] = -float("inf")
        best = scores.topk(min(k, len(self.words) - len(self.not_answers())))
        return [(self.words.tokens[i], float(p)) for p, i in zip(best.values.exp(), best.indices, strict=True)]

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
                ids = torch.from_numpy(self.words.ids(piece))
                totals.append(float(row[torch.arange(len(piece)), ids].sum()) - penalty * int((ids == 1).sum()))
        return totals

    def save(self, path: str | os.PathLike, extra: dict | None = None, half: bool = False,
             extra_files: dict[str, str] | None = None) -> Path:
        files = {WORDS_FILE: self.words.to_text(), **(extra_files or {})}
        settings = {"cloze": self.config.to_dict(), "unknown_types": self.unknown_types, **(extra or {})}
        return save_model(path, self.net, TASK, settings, files, torch.float16 if half else None)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, device: str = "cpu") -> Cloze:
        """The shipped model (no argument) or a model directory."""
        if path is None:
            path = Path(__file__).resolve().parent / "models" / SHIPPED
        net, config = load_model(path, TASK, device, lambda core, _: ClozeNet(core))
        words = Vocabulary.from_text(read_text_file(path, WORDS_FILE))
        settings = {**config["task_config"]["cloze"], "layers": net.core.config.layers}  # older models lack layers
        return cls(net, ClozeConfig(**settings), words, config["task_config"]["unknown_types"])


@dataclass
class Masked:
    """Training pieces as padded id arrays; the words to predict are drawn afresh every epoch."""

    ids: np.ndarray  # (N, T) token ids, 0 = padding
    lengths: np.ndarray  # (N,)
    maskable: np.ndarray  # (N, T) bool: real tokens of non-punctuation words
    word_start: np.ndarray  # (N, T) the step where each token's word starts (words are masked whole)

    def batches(self, config: ClozeConfig, generator: torch.Generator) -> list[Batch]:
        rng = np.random.default_rng(int(torch.randint(0, 2**31, (1,), generator=generator)))
        noise = np.take_along_axis(rng.random(self.ids.shape), self.word_start, 1)  # one draw a word
        noise = np.where(self.maskable, noise, 2.0)
        chosen = noise < config.mask_rate
        first = self.word_start[np.arange(len(noise)), noise.argmin(1)]  # at least one word a piece
        chosen |= (self.word_start == first[:, None]) & self.maskable & self.maskable.any(1, keepdims=True)
        targets = np.where(chosen, self.ids, 0)
        inputs = np.where(chosen, MASK_ID, self.ids)
        batches = []
        for rows in length_bucketed(self.lengths, config.batch_size, generator):
            steps = int(self.lengths[rows].max())
            batches.append(Batch(torch.from_numpy(inputs[rows, :steps]), torch.from_numpy(targets[rows, :steps]),
                                 torch.from_numpy(self.lengths[rows])))
        return batches


def encode_pieces(sentences: Iterable[Sequence[str]], tokens: Vocabulary, max_words: int,
                  unit: Unit = Unit.WORD) -> Masked:
    """Word lists cut into pieces of at most ``max_words`` words, as ids of the model's tokens (words or
    characters)."""
    pieces = [s[i : i + max_words] for s in sentences for i in range(0, len(s), max_words)]
    pieces = [p for p in pieces if any(not is_punctuation(w) for w in p)]
    if not pieces:
        raise ValueError("no training sentences with words to mask")
    sizes = [[len(w) if unit is Unit.CHAR else 1 for w in piece] for piece in pieces]  # tokens a word
    lengths = np.array([sum(size) for size in sizes], dtype=np.int64)
    ids = np.zeros((len(pieces), int(lengths.max())), dtype=np.int64)
    maskable = np.zeros(ids.shape, dtype=bool)
    word_start = np.zeros(ids.shape, dtype=np.int32)
    for row, (piece, size) in enumerate(zip(pieces, sizes, strict=True)):
        n = lengths[row]
        ids[row, :n] = tokens.ids([t for w in piece for t in unit_tokens(w, unit)])
        maskable[row, :n] = np.repeat([not is_punctuation(w) for w in piece], size)
        word_start[row, :n] = np.repeat(np.cumsum(size) - size, size)
    return Masked(ids, lengths, maskable, word_start)


def unit_tokens(word: str, unit: Unit) -> list[str]:
    return list(word) if unit is Unit.CHAR else [word]


def word_vocabulary(sentences: Sequence[Sequence[str]], config: ClozeConfig) -> Vocabulary:
    """The words of evaluation items (answers and distractors), whatever the model's unit."""
    return build_vocabulary(sentences, ClozeConfig(**{**config.to_dict(), "unit": Unit.WORD.value}))[0]


def selection_metric(config: ClozeConfig) -> str:
    """The dev metric a model is chosen on: accuracy@1, or the 5-way choice for a character model."""
    return "acc1" if config.unit is Unit.WORD else "five_way"


def build_vocabulary(sentences: Iterable[Sequence[str]], config: ClozeConfig) -> tuple[Vocabulary, int]:
    """Tokens (words or characters) by frequency (after <pad>, <unk>, <mask>), and how many training types fell
    to <unk>."""
    counts = Counter(t for s in sentences for w in s for t in unit_tokens(w, config.unit))
    words = Vocabulary([MASK, *Vocabulary.build(counts, config.min_count, config.max_vocab).tokens[2:]])
    return words, len(counts) - (len(words) - 3)


def train_cloze(train: Sequence[Sequence[str]], dev: Sequence[Sequence[str]] | None,
                save_dir: str | os.PathLike | None, config: ClozeConfig | None = None,
                train_config: TrainConfig | None = None) -> tuple[Cloze, FitResult]:
    """Train on word lists; select on accuracy@1 at one seeded masked word per dev sentence (a character model:
    on the 5-way choice, see :func:`evaluate_cloze`; without ``dev``, the last 5% of ``train`` is held out)."""
    if dev is None:
        train, dev = hold_out(list(train))
    config = config or ClozeConfig()
    train_config = train_config or TrainConfig(epochs=3, lr=2e-3)
    tokens, unknown_types = build_vocabulary(train, config)
    torch.manual_seed(train_config.seed)
    model = Cloze(build_net(config, len(tokens)), config, tokens, unknown_types)
    data = encode_pieces(train, tokens, config.max_words, config.unit)
    logger.info("cloze: %d training pieces, vocabulary of %d %ss", len(data.ids), len(tokens), config.unit.value)
    words = tokens if config.unit is Unit.WORD else word_vocabulary(train, config)
    probes = make_probes(dev, words, n=2000, seed=train_config.seed)

    def evaluate(net: ClozeNet) -> dict[str, float]:
        return {k: v for k, v in evaluate_cloze(model, probes).items() if k in ("acc1", "acc5", "mrr", "five_way")}

    on_best = None
    if save_dir is not None:
        settings = {"train": config_dict(train_config)}

        def on_best(net: ClozeNet) -> None:
            model.save(Path(save_dir) / "model", settings)

    result = fit(model.net, lambda generator: data.batches(config, generator), ClozeNet.loss, train_config,
                 evaluate, selection_metric(config), save_dir, on_best)
    model.net.eval()
    return model, result


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
            row = row[0].clone()
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
