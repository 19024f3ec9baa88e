"""Scoring cumsum predictions: per-step accuracy and whole-sequence accuracy (every step right)."""

from __future__ import annotations

import numpy as np

from zhtagger.evaluation import Evaluation


def cumsum_scores(probabilities: np.ndarray, y: np.ndarray) -> Evaluation:
    """(N, n, 1) predicted probabilities against (N, n, 1) labels."""
    if probabilities.shape != y.shape:
        raise ValueError(f"predictions of shape {probabilities.shape} against labels of shape {y.shape}")
    correct = (probabilities >= 0.5) == (y >= 0.5)
    metrics = {"step_accuracy": float(correct.mean()), "sequence_accuracy": float(correct.all(axis=(1, 2)).mean()),
               "n": len(y)}
    return Evaluation("cumsum", metrics, predictions=list(probabilities))
