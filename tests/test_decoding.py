import itertools

import numpy as np
import pytest
import torch

from zhtagger.core.crf import CRF, IMPOSSIBLE, constraint_scores, log_partition, sequence_score
from zhtagger.core.light import viterbi as numpy_viterbi
from zhtagger.tasks.segment.config import Decoder
from zhtagger.tasks.segment.light import decode
from zhtagger.text.tags import RULES, bmes_viterbi, is_legal


def viterbi(emissions, mask, transitions, start, end, allowed=None):
    """The numpy Viterbi on torch test cases (mask -> lengths, allowed -> IMPOSSIBLE scores)."""
    if allowed is not None:
        emissions = emissions.masked_fill(~allowed, IMPOSSIBLE)
    numpy = (emissions, transitions, start, end)
    return torch.from_numpy(numpy_viterbi(numpy[0].numpy(), mask.sum(1).numpy(), *(t.numpy() for t in numpy[1:])))


def brute_force(emissions, length, transitions, start, end):
    """All C^T tag sequences of one row: (best sequence, log-sum-exp of all scores)."""
    best, best_score, scores = None, -float("inf"), []
    for tags in itertools.product(range(emissions.size(-1)), repeat=length):
        total = start[tags[0]] + emissions[0, tags[0]] + end[tags[-1]]
        for t in range(1, length):
            total = total + transitions[tags[t - 1], tags[t]] + emissions[t, tags[t]]
        scores.append(total)
        if total > best_score:
            best, best_score = list(tags), total
    return best, torch.logsumexp(torch.stack(scores), 0)


def random_case(seed, batch=4, steps=5, tags=4):
    generator = torch.Generator().manual_seed(seed)
    emissions = torch.randn(batch, steps, tags, generator=generator)
    lengths = torch.randint(1, steps + 1, (batch,), generator=generator)
    lengths[0] = steps
    mask = torch.arange(steps).unsqueeze(0) < lengths.unsqueeze(1)
    transitions = torch.randn(tags, tags, generator=generator)
    start, end = torch.randn(tags, generator=generator), torch.randn(tags, generator=generator)
    return emissions, lengths, mask, transitions, start, end


@pytest.mark.parametrize("seed", range(8))
def test_viterbi_and_partition_equal_brute_force(seed):
    emissions, lengths, mask, transitions, start, end = random_case(seed)
    paths = viterbi(emissions, mask, transitions, start, end)
    partition = log_partition(emissions, mask, transitions, start, end)
    for row in range(emissions.size(0)):
        n = int(lengths[row])
        best, total = brute_force(emissions[row], n, transitions, start, end)
        assert paths[row, :n].tolist() == best
        assert paths[row, n:].eq(0).all()
        torch.testing.assert_close(partition[row], total)
    gold = sequence_score(emissions, paths, mask, transitions, start, end)
    assert torch.all(gold <= partition)


@pytest.mark.parametrize("seed", range(20))
def test_constrained_viterbi_never_emits_an_illegal_sequence(seed):
    emissions, lengths, mask, *_ = random_case(seed, batch=6, steps=9)
    paths = viterbi(emissions * 5, mask, *constraint_scores(RULES))
    for row in range(paths.size(0)):
        assert is_legal(paths[row, : int(lengths[row])].tolist())


def test_batched_viterbi_equals_one_by_one():
    emissions, lengths, mask, transitions, start, end = random_case(3, batch=6, steps=8)
    batched = viterbi(emissions, mask, transitions, start, end)
    for row in range(6):
        n = int(lengths[row])
        alone = viterbi(emissions[row : row + 1, :n], mask[row : row + 1, :n], transitions, start, end)
        assert batched[row, :n].tolist() == alone[0].tolist()


def test_allowed_mask_forces_tags():
    emissions, lengths, mask, *_ = random_case(1, batch=1, steps=6)
    allowed = torch.ones(1, 6, 4, dtype=torch.bool)
    allowed[0, 1:4] = False
    allowed[0, 1, 0] = allowed[0, 2, 1] = allowed[0, 3, 2] = True  # force B M E at steps 1..3
    paths = viterbi(emissions, mask, *constraint_scores(RULES), allowed=allowed)
    assert paths[0, 1:4].tolist() == [0, 1, 2]


def test_crf_nll_is_positive_and_decodes_legally():
    crf = CRF(RULES)
    emissions, lengths, mask, *_ = random_case(2, batch=3, steps=6)
    tables = tuple(t.detach().numpy() for t in crf.scores())
    tags = torch.from_numpy(decode(emissions.numpy(), lengths.numpy(), Decoder.CRF, crf=tables))
    assert crf.nll(emissions, tags, mask) > 0
    for row in range(3):
        assert is_legal(tags[row, : int(lengths[row])].tolist())


def test_greedy_takes_the_argmax():
    emissions, lengths, mask, *_ = random_case(4)
    tags = decode(emissions.numpy(), lengths.numpy(), Decoder.GREEDY)
    assert np.array_equal(tags[mask.numpy()], emissions.argmax(-1)[mask].numpy())
    assert not tags[~mask.numpy()].any()


@pytest.mark.parametrize("seed", range(12))
def test_bmes_viterbi_equals_the_general_viterbi_under_the_rules(seed):
    emissions, lengths, mask, *_ = random_case(seed, batch=7, steps=6)
    allowed = torch.rand(7, 6, 4, generator=torch.Generator().manual_seed(seed)) > 0.2  # some tags forbidden
    allowed[..., 3] = True  # S stays possible, so every row has a legal path
    for forbid in (None, allowed):
        scores = emissions if forbid is None else emissions.masked_fill(~forbid, IMPOSSIBLE)
        fast = bmes_viterbi(scores.numpy(), lengths.numpy())
        assert fast.tolist() == viterbi(emissions, mask, *constraint_scores(RULES), allowed=forbid).tolist()
    rules = constraint_scores(RULES)
    for row in range(7):  # and both equal brute force over all 4^n sequences
        n = int(lengths[row])
        assert fast[row, :n].tolist() == brute_force(scores[row], n, *rules)[0]
