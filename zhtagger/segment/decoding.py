"""Decoding BMES tags from per-character scores: greedy, constrained Viterbi, and a linear-chain CRF.

All functions are batched and batch-first; ``mask`` (B, T) is True at real characters and every sequence
has at least one. Illegal transitions get ``IMPOSSIBLE`` rather than -inf so that sums never become NaN.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from zhtagger.segment.tags import ALLOWED, ALLOWED_END, ALLOWED_START, B, E, M, S

IMPOSSIBLE = -1e4


def constraint_scores(device: torch.device | str = "cpu") -> tuple[Tensor, Tensor, Tensor]:
    """The BMES rules as additive scores: transitions (C, C), start (C), end (C); 0 if allowed."""

    def to_scores(table) -> Tensor:
        return torch.where(torch.tensor(table, device=device), 0.0, IMPOSSIBLE)

    return to_scores(ALLOWED), to_scores(ALLOWED_START), to_scores(ALLOWED_END)


def greedy(emissions: Tensor, mask: Tensor) -> Tensor:
    """The best tag at each step on its own: (B, T, C) -> (B, T); padded steps are 0."""
    return emissions.argmax(-1).masked_fill(~mask, 0)


def viterbi(
    emissions: Tensor,
    mask: Tensor,
    transitions: Tensor,
    start: Tensor,
    end: Tensor,
    allowed: Tensor | None = None,
) -> Tensor:
    """The highest-scoring tag sequence of each batch row.

    emissions (B, T, C) per-step scores (e.g. log-probabilities); transitions (C, C) from -> to; start, end (C);
    allowed (B, T, C) bool, optional, forbids tags at single steps (e.g. user-dictionary words).
    Returns tags (B, T), 0 at padded steps.
    """
    if allowed is not None:
        emissions = emissions.masked_fill(~allowed, IMPOSSIBLE)
    batch, steps, _ = emissions.shape
    score = start + emissions[:, 0]  # (B, C)
    backpointers = []
    for t in range(1, steps):
        candidates = score.unsqueeze(2) + transitions  # (B, C_from, C_to)
        best, index = candidates.max(1)  # (B, C_to)
        score = torch.where(mask[:, t : t + 1], best + emissions[:, t], score)
        backpointers.append(index)
    tag = (score + end).argmax(1)  # (B,) the last tag of each sequence
    lengths = mask.sum(1)
    tags = torch.zeros(batch, steps, dtype=torch.long, device=emissions.device)
    for t in range(steps - 1, -1, -1):
        active = t < lengths  # steps past a row's end keep its last tag until its end is reached
        tags[:, t] = torch.where(active, tag, 0)
        if t > 0:
            previous = backpointers[t - 1].gather(1, tag.unsqueeze(1)).squeeze(1)
            tag = torch.where(active, previous, tag)
    return tags


def bmes_viterbi(emissions: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """:func:`viterbi` under the BMES rules alone, in numpy: the fast path for inference.

    emissions (B, T, 4) per-step scores (IMPOSSIBLE where a tag is forbidden), lengths (B,) -> tags (B, T), 0 at
    padded steps. Under the rules only two states matter: the best path ending in a closed word (E or S) and
    the best ending inside an open one (B or M); B and S follow the first, M and E the second. So each step is
    a few vector operations over the batch, and the backpointers are two bits.
    """
    batch, steps, _ = emissions.shape
    scores = np.ascontiguousarray(emissions.transpose(1, 2, 0), dtype=np.float32)  # (T, 4, B): one row a step
    padded = np.arange(steps)[:, None] >= lengths[None, :]  # (T, B)
    scores[:, :S][np.broadcast_to(padded[:, None, :], (steps, S, batch))] = IMPOSSIBLE
    scores[:, S][padded] = 0  # past its end a row goes on with S, which also makes it end in E or S
    closed_from_open = np.empty((steps, batch), dtype=bool)  # E (from B/M) beat S (from E/S)
    open_from_open = np.empty((steps, batch), dtype=bool)  # M (from B/M) beat B (from E/S)
    closed, opened = scores[0, S].copy(), scores[0, B].copy()  # a sentence starts with S or B
    closed_from_open[0] = open_from_open[0] = False
    for t in range(1, steps):
        step = scores[t]
        to_e, to_s = opened + step[E], closed + step[S]
        to_m, to_b = opened + step[M], closed + step[B]
        closed_from_open[t], open_from_open[t] = to_e > to_s, to_m > to_b
        closed, opened = np.maximum(to_e, to_s), np.maximum(to_m, to_b)
    tags = np.empty((steps, batch), dtype=np.int64)
    is_open = np.zeros(batch, dtype=bool)  # the last tag closes a word
    for t in range(steps - 1, -1, -1):
        tags[t] = np.where(is_open, np.where(open_from_open[t], M, B), np.where(closed_from_open[t], E, S))
        is_open = np.where(is_open, open_from_open[t], closed_from_open[t])
    tags[padded] = 0
    return tags.T


def sequence_score(emissions: Tensor, tags: Tensor, mask: Tensor, transitions: Tensor, start: Tensor,
                   end: Tensor) -> Tensor:
    """Score of the given tag sequences: (B,)."""
    batch = torch.arange(emissions.size(0), device=emissions.device)
    maskf = mask.float()
    emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)  # (B, T)
    score = start[tags[:, 0]] + (emitted * maskf).sum(1)
    score = score + (transitions[tags[:, :-1], tags[:, 1:]] * maskf[:, 1:]).sum(1)
    last = tags[batch, mask.sum(1) - 1]
    return score + end[last]


def log_partition(emissions: Tensor, mask: Tensor, transitions: Tensor, start: Tensor, end: Tensor) -> Tensor:
    """log of the summed exp-scores of all tag sequences (the forward algorithm): (B,)."""
    alpha = start + emissions[:, 0]  # (B, C)
    for t in range(1, emissions.size(1)):
        step = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1) + emissions[:, t]  # (B, C)
        alpha = torch.where(mask[:, t : t + 1], step, alpha)
    return torch.logsumexp(alpha + end, dim=1)


class CRF(nn.Module):
    """Learned transition scores on top of the BMES rules; the loss is the negative log-likelihood."""

    def __init__(self, n_tags: int = 4) -> None:
        super().__init__()
        self.transitions = nn.Parameter(torch.zeros(n_tags, n_tags))
        self.start = nn.Parameter(torch.zeros(n_tags))
        self.end = nn.Parameter(torch.zeros(n_tags))
        rules = constraint_scores()
        self.register_buffer("rule_transitions", rules[0], persistent=False)
        self.register_buffer("rule_start", rules[1], persistent=False)
        self.register_buffer("rule_end", rules[2], persistent=False)

    def scores(self) -> tuple[Tensor, Tensor, Tensor]:
        return (self.transitions + self.rule_transitions, self.start + self.rule_start, self.end + self.rule_end)

    def nll(self, emissions: Tensor, tags: Tensor, mask: Tensor) -> Tensor:
        """Mean negative log-likelihood per character of the gold ``tags`` (B, T)."""
        scores = self.scores()
        gold = sequence_score(emissions, tags, mask, *scores)
        return (log_partition(emissions, mask, *scores) - gold).sum() / mask.sum()

    def decode(self, emissions: Tensor, mask: Tensor, allowed: Tensor | None = None) -> Tensor:
        return viterbi(emissions, mask, *self.scores(), allowed=allowed)
