"""The segmentation network (the shared core plus an optional CRF), its settings, and batches of encoded text."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
import torch
from torch import Tensor, nn

from zhtagger.model import SequenceTagger, TaggerConfig, parse_enum, require_positive
from zhtagger.segment.decoding import CRF, IMPOSSIBLE, bmes_viterbi, greedy
from zhtagger.segment.tags import TAGS
from zhtagger.segment.vocab import UNKNOWN_ID
from zhtagger.training import Batch, length_bucketed


class Decoder(str, Enum):
    GREEDY = "greedy"  # the best tag per character, rules ignored
    VITERBI = "viterbi"  # best legal BMES sequence under the softmax probabilities
    CRF = "crf"  # learned transitions (trained with the CRF likelihood), rules enforced


LEXICONS = ("jieba", "train")


@dataclass
class SegmenterConfig:
    """Settings of a segmenter: its input features, network and decoder. Stored in its model directory."""

    char_dim: int = 100
    bigram_dim: int = 100  # 0: no bigram channel
    lexicon_dim: int = 0  # > 0: a channel marking dictionary words (see lexicon)
    lexicon: str = "jieba"  # its words: "jieba" (jieba's dictionary, open track) or "train" (the training words)
    pretrain: tuple[str, ...] = ()  # raw-text files to pretrain character and bigram embeddings on (open track)
    pretrain_self: bool = False  # pretrain on the training text alone (no outside data: closed track)
    hidden: int = 150
    layers: int = 2
    dropout: float = 0.4
    decoder: Decoder = Decoder.VITERBI
    min_char_count: int = 1
    min_bigram_count: int = 2
    # training only: a bigram seen c times is read as unknown with probability a / (a + c), so the model learns
    # to segment around the unseen bigrams new text is full of (Kiperwasser & Goldberg 2016's word dropout).
    # "auto": the a that gives the training text as many unknown bigrams as the dev text has
    bigram_unk: float | str = 0.0
    # learn the training file's POS tags too: one output per (BMES tag, POS tag) pair, summed over the POS
    # tags to segment. The tags found in training are kept in pos_tags.
    pos: bool = False
    pos_tags: tuple[str, ...] = ()
    max_chars: int = 120  # training sentences are cut at punctuation into pieces this long
    batch_size: int = 32

    def __post_init__(self) -> None:
        self.decoder = parse_enum(Decoder, self.decoder, "decoder")
        self.pretrain = tuple(str(path) for path in self.pretrain)
        self.pos_tags = tuple(self.pos_tags)
        if self.pos and self.decoder is Decoder.CRF:
            raise ValueError("a segmenter that learns POS tags too (pos) decodes with viterbi or greedy, not crf")
        for option in ("char_dim", "hidden", "layers", "min_char_count", "min_bigram_count", "max_chars",
                       "batch_size"):
            require_positive(getattr(self, option), option.replace("_", "-"))
        if self.bigram_dim < 0 or self.lexicon_dim < 0:
            raise ValueError("bigram-dim and lexicon-dim must be >= 0")
        if self.lexicon not in LEXICONS:
            raise ValueError(f"lexicon must be one of {', '.join(LEXICONS)}; got {self.lexicon!r}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1); got {self.dropout!r}")
        if self.bigram_unk != "auto":
            try:
                value = float(self.bigram_unk)
            except (TypeError, ValueError):
                value = math.nan
            if not value >= 0:  # NaN fails too
                raise ValueError(f"bigram-unk must be a number >= 0 or 'auto'; got {self.bigram_unk!r}")
            self.bigram_unk = value

    @property
    def lexicon_is_training_words(self) -> bool:
        """Whether the model has a lexicon channel made of its own training words (saved with it)."""
        return bool(self.lexicon_dim) and self.lexicon == "train"

    def to_dict(self) -> dict:
        return {**self.__dict__, "decoder": self.decoder.value, "pretrain": list(self.pretrain),
                "pos_tags": list(self.pos_tags)}


class SegmenterNet(nn.Module):
    """Per-character tag scores from the shared core; a CRF on top when the decoder is ``crf``.

    The core has one output per BMES tag, or, when it learns POS tags too, one per (BMES tag, POS tag) pair:
    target ``bmes * n_pos + pos``, so that the outputs of one BMES tag sit side by side."""

    def __init__(self, core_config: TaggerConfig, use_crf: bool) -> None:
        super().__init__()
        self.core = SequenceTagger(core_config)
        self.crf = CRF(len(TAGS)) if use_crf else None
        self.n_pos = core_config.n_outputs // len(TAGS)

    @property
    def config(self) -> TaggerConfig:
        return self.core.config

    def forward(self, inputs: Tensor, lengths: Tensor | None = None) -> Tensor:
        """(B, T, 4) BMES scores: the core's logits, or with POS outputs, log P(BMES tag) summed over POS tags."""
        logits = self.core(inputs, lengths)
        if self.n_pos == 1:
            return logits
        joint = logits.float().log_softmax(-1)
        return joint.view(*joint.shape[:-1], len(TAGS), self.n_pos).logsumexp(-1).to(logits.dtype)

    def loss(self, batch: Batch) -> Tensor:
        mask = batch.mask()
        if self.crf is not None:
            return self.crf.nll(self(batch.inputs, batch.lengths), batch.targets, mask)
        logits = self.core(batch.inputs, batch.lengths)  # (B, T, 4 * n_pos)
        return nn.functional.cross_entropy(logits[mask], batch.targets[mask])

    def decode(self, logits: Tensor, mask: Tensor, decoder: Decoder, allowed: Tensor | None = None) -> Tensor:
        """(B, T, 4) logits -> (B, T) tag ids."""
        if decoder is Decoder.GREEDY:
            return greedy(logits if allowed is None else logits.masked_fill(~allowed, -1e4), mask)
        if decoder is Decoder.CRF:
            if self.crf is None:
                raise ValueError("this model was not trained with a CRF; decode with viterbi or greedy")
            return self.crf.decode(logits, mask, allowed)
        # the rules alone: per-step log-normalisers are the same for every path, so raw logits decode alike
        emissions = logits if allowed is None else logits.masked_fill(~allowed, IMPOSSIBLE)
        tags = bmes_viterbi(emissions.float().cpu().numpy(), mask.sum(1).cpu().numpy())
        return torch.from_numpy(tags).to(logits.device)


def build_net(config: SegmenterConfig, n_chars: int, n_bigrams: int, n_lexicon: int) -> SegmenterNet:
    vocab_sizes, dims = [n_chars], [config.char_dim]
    if config.bigram_dim:
        vocab_sizes.append(n_bigrams)
        dims.append(config.bigram_dim)
    if config.lexicon_dim:
        vocab_sizes.append(n_lexicon)
        dims.append(config.lexicon_dim)
    n_outputs = len(TAGS) * max(1, len(config.pos_tags))  # a BMES tag, or a (BMES, POS) pair, each
    core = TaggerConfig(n_outputs=n_outputs, vocab_sizes=tuple(vocab_sizes), embedding_dims=tuple(dims),
                        hidden=config.hidden, layers=config.layers, dropout=config.dropout)
    return SegmenterNet(core, use_crf=config.decoder is Decoder.CRF)


@dataclass
class Encoded:
    """Many sentences as flat arrays: ``ids`` (N_chars, K) input channels, ``tags`` (N_chars,), and
    ``offsets`` (N_sentences + 1,) where sentence i spans ``offsets[i]:offsets[i + 1]``; optionally
    ``allowed`` (N_chars, 4) bool, the tags each character may take when decoding; for training,
    ``unknown`` (N_chars,) float, the chance that a character's bigram (channel 1) is read as unknown in an
    epoch (see SegmenterConfig.bigram_unk)."""

    ids: np.ndarray
    tags: np.ndarray
    offsets: np.ndarray
    allowed: np.ndarray | None = None
    unknown: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def padded(self, array: np.ndarray, rows: np.ndarray, fill) -> np.ndarray:
        """``array`` (N_chars, ...) gathered for the given sentences and padded: (B, T, ...)."""
        lengths = self.lengths()[rows]
        steps = int(lengths.max())
        positions = self.offsets[rows][:, None] + np.arange(steps)[None, :]  # (B, T)
        valid = np.arange(steps)[None, :] < lengths[:, None]
        gathered = array[np.where(valid, positions, 0)]
        return np.where(valid.reshape(valid.shape + (1,) * (array.ndim - 1)), gathered, fill)

    def batch(self, rows: np.ndarray, ids: np.ndarray | None = None) -> Batch:
        """Padded batch of the given sentences: inputs (B, T, K) (from ``ids`` when given, else ``self.ids``),
        targets (B, T), lengths (B,)."""
        ids = self.ids if ids is None else ids
        inputs, targets = self.padded(ids, rows, 0), self.padded(self.tags, rows, 0)  # (B, T, K), (B, T)
        return Batch(torch.from_numpy(inputs), torch.from_numpy(targets), torch.from_numpy(self.lengths()[rows]))

    def batches(self, batch_size: int, generator: torch.Generator) -> list[Batch]:
        """One shuffled epoch of training batches of similar lengths (see :func:`length_bucketed`), with
        bigrams read as unknown at random when ``unknown`` is set."""
        ids = self.ids
        if self.unknown is not None:
            draws = torch.rand(len(self.unknown), generator=generator, dtype=torch.float64).numpy()
            ids = ids.copy()
            ids[draws < self.unknown, 1] = UNKNOWN_ID
        return [self.batch(rows, ids) for rows in length_bucketed(self.lengths(), batch_size, generator)]

    def prediction_batches(self, batch_chars: int) -> list[tuple[np.ndarray, Batch, torch.Tensor | None]]:
        """(sentence numbers, batch, allowed tags (B, T, 4) or None) covering every non-empty sentence, longest
        first, each batch holding about ``batch_chars`` padded characters."""
        lengths = self.lengths()
        order = np.argsort(-lengths, kind="stable")
        order = order[lengths[order] > 0]
        batches, start = [], 0
        while start < len(order):
            size = max(1, batch_chars // int(lengths[order[start]]))
            rows = order[start : start + size]
            allowed = None if self.allowed is None else torch.from_numpy(self.padded(self.allowed, rows, True))
            batches.append((rows, self.batch(rows), allowed))
            start += size
        return batches
