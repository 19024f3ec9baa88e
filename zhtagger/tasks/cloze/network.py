"""The cloze network: the shared core over token ids, its outputs scored against the (tied) input embeddings."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import torch
from torch import Tensor, nn

from zhtagger.core.checkpoint import state_arrays
from zhtagger.core.model import SequenceTagger, TaggerConfig
from zhtagger.core.training import Batch
from zhtagger.tasks.cloze.config import ClozeConfig
from zhtagger.tasks.cloze.data import MASK_ID


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

    @torch.inference_mode()
    def masked_log_probs(self, inputs: np.ndarray, lengths: np.ndarray, where: np.ndarray) -> np.ndarray:
        """:meth:`masked_scores` for inference, numpy in and out."""
        device = self.bias.device
        return self.masked_scores(torch.from_numpy(inputs).to(device), torch.from_numpy(lengths),
                                  torch.from_numpy(where).to(device)).float().cpu().numpy()

    def weights(self) -> dict[str, np.ndarray]:
        return state_arrays(self)

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
