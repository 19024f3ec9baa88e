"""Decoding tags from per-step scores: greedy, Viterbi under a tag scheme's rules, and a linear-chain CRF.

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

    def decode(self, emissions: Tensor, mask: Tensor, allowed: Tensor | None = None) -> Tensor:
        return viterbi(emissions, mask, *self.scores(), allowed=allowed)
