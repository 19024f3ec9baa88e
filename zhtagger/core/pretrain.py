"""Character and bigram embeddings pretrained on raw text (open track): skip-gram with negative sampling.

Raw text brings bigrams the segmented corpus never shows; giving them trained vectors is what helps
out-of-vocabulary words (Ma et al. 2018 pretrain on Chinese Gigaword; we use the raw text at hand).
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from torch import nn

logger = logging.getLogger(__name__)


def skipgram_embeddings(
    streams: list[np.ndarray],
    vocab_size: int,
    dim: int,
    window: int = 2,
    negatives: int = 5,
    epochs: int = 2,
    batch_size: int = 8192,
    lr: float = 0.01,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """(vocab_size, dim) vectors from token-id streams (one array per sentence; ids 0 and 1, padding and
    unknown, are neither centres nor contexts), and (vocab_size,) bool: which rows were trained."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    centres, contexts = [], []
    for ids in streams:
        for offset in range(1, window + 1):
            if len(ids) > offset:
                centres += [ids[:-offset], ids[offset:]]
                contexts += [ids[offset:], ids[:-offset]]
    if not centres:
        raise ValueError("no text to pretrain embeddings on")
    centre = torch.from_numpy(np.concatenate(centres))
    context = torch.from_numpy(np.concatenate(contexts))
    keep = (centre > 1) & (context > 1)
    centre, context = centre[keep], context[keep]
    counts = torch.bincount(centre, minlength=vocab_size).float()
    noise = counts.pow(0.75)
    noise[:2] = 0
    inputs = nn.Embedding(vocab_size, dim, sparse=True)
    outputs = nn.Embedding(vocab_size, dim, sparse=True)
    nn.init.uniform_(inputs.weight, -0.5 / dim, 0.5 / dim)
    nn.init.zeros_(outputs.weight)
    optimizer = torch.optim.SparseAdam(list(inputs.parameters()) + list(outputs.parameters()), lr=lr)
    for epoch in range(epochs):
        order = torch.randperm(len(centre), generator=generator)
        total = 0.0
        for batch in order.split(batch_size):
            c, o = centre[batch], context[batch]
            n = torch.multinomial(noise, len(batch) * negatives, replacement=True, generator=generator)
            u = inputs(c)  # (N, D)
            positive = (u * outputs(o)).sum(-1)  # (N,)
            negative = torch.bmm(outputs(n).view(len(batch), negatives, dim), u.unsqueeze(2)).squeeze(2)  # (N, K)
            loss = -(nn.functional.logsigmoid(positive).mean() + nn.functional.logsigmoid(-negative).sum(1).mean())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        logger.info("skip-gram epoch %d: loss %.4f over %d pairs", epoch + 1, total / len(centre), len(centre))
    vectors = inputs.weight.detach().numpy().copy()
    trained = (counts > 0).numpy()
    # scale to the unit spread nn.Embedding starts with, so pretrained and fresh rows look alike to the LSTM
    vectors[trained] /= vectors[trained].std() + 1e-8
    return vectors, trained


def initialise(table: nn.Embedding, streams: list[np.ndarray], seed: int) -> int:
    """Overwrite ``table``'s rows with skip-gram vectors where the streams trained them; returns how many."""
    vectors, trained = skipgram_embeddings(streams, table.num_embeddings, table.embedding_dim, seed=seed)
    with torch.no_grad():
        table.weight[torch.from_numpy(trained)] = torch.from_numpy(vectors[trained])
    return int(trained.sum())
