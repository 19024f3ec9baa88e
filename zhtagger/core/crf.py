"""A linear-chain CRF for training: learned transition scores on top of a tag scheme's rules, and its negative
log-likelihood. (Decoding, with any engine, is numpy's: :func:`zhtagger.core.light.viterbi`.)

A scheme's rules are three boolean tables (which tag may follow which, start, end), given by the task (the
BMES tables live in :mod:`zhtagger.text.tags`). All functions are batched and batch-first; ``mask`` (B, T) is
True at real steps and every sequence has at least one. Illegal transitions get ``IMPOSSIBLE`` rather than
-inf so that sums never become NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

IMPOSSIBLE = -1e4


Rules = tuple[Sequence[Sequence[bool]], Sequence[bool], Sequence[bool]]  # allowed[from][to], start, end


def constraint_scores(rules: Rules, device: torch.device | str = "cpu") -> tuple[Tensor, Tensor, Tensor]:
    """A scheme's rules as additive scores: transitions (C, C), start (C), end (C); 0 if allowed."""
    return tuple(torch.where(torch.tensor(table, device=device), 0.0, IMPOSSIBLE) for table in rules)


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
    """Learned transition scores on top of a tag scheme's rules; the loss is the negative log-likelihood."""

    def __init__(self, rules: Rules) -> None:
        super().__init__()
        n_tags = len(rules[1])
        self.transitions = nn.Parameter(torch.zeros(n_tags, n_tags))
        self.start = nn.Parameter(torch.zeros(n_tags))
        self.end = nn.Parameter(torch.zeros(n_tags))
        rules = constraint_scores(rules)
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
