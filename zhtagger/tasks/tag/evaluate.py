"""Scoring a tagger on gold data: seqeval's strict chunk scores per type and overall, tag accuracy, chunk-span
F1 (the segmentation alone, for a word-level tag set) and an error analysis."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from zhtagger.evaluation import Evaluation
from zhtagger.optional import require
from zhtagger.text.schemes import Chunk, Scheme, tags_of_chunks
from zhtagger.text.tagdata import TaggedCorpus, read_tagged

if TYPE_CHECKING:
    from zhtagger.tasks.tag.predictor import Tagger

TASK_NAME = "tag"
UNTYPED = "_"  # seqeval needs a type; chunks without one (plain segmentation) get this


def as_tagged(data, format: str = "bioes", columns: Sequence[int] = (2, 4)) -> TaggedCorpus:
    return data if isinstance(data, TaggedCorpus) else read_tagged(data, format, columns)


def seqeval_tags(length: int, chunks: Sequence[Chunk]) -> list[str]:
    """IOBES tags of a text's chunks, the scheme seqeval's strict mode reads (it has no M)."""
    return tags_of_chunks(length, [(a, b, kind or UNTYPED) for a, b, kind in chunks], Scheme.BIOES)


def chunk_scores(gold: Sequence[str], gold_chunks: list[list[Chunk]], predicted: list[list[Chunk]]
                 ) -> tuple[dict, str]:
    """seqeval's strict precision, recall and F1, overall (micro) and per type, and its report."""
    metrics = require("seqeval.metrics", "scoring a tagger")
    scheme = require("seqeval.scheme", "scoring a tagger").IOBES
    y_true = [seqeval_tags(len(text), row) for text, row in zip(gold, gold_chunks, strict=True)]
    y_pred = [seqeval_tags(len(text), row) for text, row in zip(gold, predicted, strict=True)]
    options = {"mode": "strict", "scheme": scheme, "zero_division": 0}
    by_type = metrics.classification_report(y_true, y_pred, output_dict=True, **options)
    overall = by_type["micro avg"]
    result = {"precision": float(overall["precision"]), "recall": float(overall["recall"]),
              "f1": float(overall["f1-score"])}
    for kind, row in by_type.items():
        if not kind.endswith(" avg"):
            result[f"f1_{kind}"] = float(row["f1-score"])
    return result, metrics.classification_report(y_true, y_pred, digits=4, **options)


def span_f1(gold_chunks: list[list[Chunk]], predicted: list[list[Chunk]]) -> float:
    """F1 of chunk spans, types ignored: word F1 for a word-level tag set."""
    gold = {(i, a, b) for i, row in enumerate(gold_chunks) for a, b, _ in row}
    found = {(i, a, b) for i, row in enumerate(predicted) for a, b, _ in row}
    correct = len(gold & found)
    return 2 * correct / (len(gold) + len(found)) if gold or found else 1.0


def evaluate_tagger(tagger: Tagger, gold, format: str = "bioes", columns: Sequence[int] = (2, 4),
                    decoder=None) -> Evaluation:
    corpus = as_tagged(gold, format, columns)
    predicted = tagger.chunks_batch(corpus.texts, decoder)
    metrics, report = chunk_scores(corpus.texts, corpus.chunks, predicted)
    scheme = tagger.config.scheme
    gold_tags = [tags_of_chunks(len(t), row, scheme) for t, row in zip(corpus.texts, corpus.chunks, strict=True)]
    pred_tags = [tags_of_chunks(len(t), row, scheme) for t, row in zip(corpus.texts, predicted, strict=True)]
    right = sum(g == p for gs, ps in zip(gold_tags, pred_tags, strict=True) for g, p in zip(gs, ps, strict=True))
    characters = sum(map(len, corpus.texts))
    metrics = {**{name: metrics[name] for name in ("precision", "recall", "f1")},
               "span_f1": span_f1(corpus.chunks, predicted), "accuracy": right / max(characters, 1),
               "gold_chunks": sum(map(len, corpus.chunks)), "characters": characters,
               **{name: value for name, value in metrics.items() if name.startswith("f1_")}}
    return Evaluation(TASK_NAME, metrics, report, error_analysis(corpus, predicted), predicted)



def error_analysis(corpus: TaggedCorpus, predicted: list[list[Chunk]], top: int = 30) -> str:
    """The most frequent missed chunks, spurious chunks and type confusions (right span, wrong type)."""
    missed, spurious, confused = Counter(), Counter(), Counter()
    for text, gold_row, found_row in zip(corpus.texts, corpus.chunks, predicted, strict=True):
        gold = {(a, b): kind for a, b, kind in gold_row}
        found = {(a, b): kind for a, b, kind in found_row}
        for span, kind in gold.items():
            if span not in found:
                missed[(text[span[0] : span[1]], kind)] += 1
            elif found[span] != kind:
                confused[(text[span[0] : span[1]], kind, found[span])] += 1
        for span, kind in found.items():
            if span not in gold:
                spurious[(text[span[0] : span[1]], kind)] += 1
    lines = [f"missed chunks: {sum(missed.values())}, spurious: {sum(spurious.values())}, "
             f"right span with the wrong type: {sum(confused.values())}", "", "most often missed (text, type):"]
    lines += [f"  {count}\t{text}\t{kind}" for (text, kind), count in missed.most_common(top)]
    lines += ["", "most often spurious (text, type):"]
    lines += [f"  {count}\t{text}\t{kind}" for (text, kind), count in spurious.most_common(top)]
    lines += ["", "wrong type (text, gold, predicted):"]
    lines += [f"  {count}\t{text}\t{gold}\t{found}" for (text, gold, found), count in confused.most_common(top)]
    return "\n".join(lines) + "\n"
