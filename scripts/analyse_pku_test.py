"""Where a People's Daily 1998 model loses F1 on the SIGHAN 2005 PKU test (People's Daily 2000–01).

    python scripts/analyse_pku_test.py --model runs/cws/pku-closed-sp-crf/model [--data ../shared/data]

Two measurements, printed and written to results/pku_test_analysis.json (one entry per model):
- the test scored in two parts: the weather-report lines (those with ℃, a genre the training month barely has)
  and all other lines;
- standard drift: spans where the prediction and the gold differ only because the gold follows another
  convention than the training text, each one consistently: the prediction writes as one word a training word
  seen 5+ times whole and never split that way, where the gold splits it (提出 -> 提 出), or splits a gold word
  the training text never has whole into two words it has side by side 5+ times. Rewriting those gold spans to
  the training convention and scoring again says how much of the error is the change of standard.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.text.corpus import read_corpus
from zhtagger.text.scoring import read_word_list, score

MIN_COUNT = 5  # how often the training text must show the other convention


def spans(words: list[str]) -> list[tuple[int, int]]:
    """(start, end) character offsets of each word."""
    result, position = [], 0
    for word in words:
        result.append((position, position + len(word)))
        position += len(word)
    return result


def inside(outer: tuple[int, int], pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pieces that exactly tile ``outer``, if there are two or more of them; else []."""
    tiles = [p for p in pieces if outer[0] <= p[0] and p[1] <= outer[1]]
    exact = len(tiles) > 1 and tiles[0][0] == outer[0] and tiles[-1][1] == outer[1]
    return tiles if exact else []


def to_training_standard(gold: list[str], predicted: list[str], whole: Counter, side_by_side: Counter,
                         changes: Counter) -> list[str]:
    """The gold sentence with the spans that differ from the prediction only by convention rewritten to the
    training text's convention (counted in ``changes``)."""
    text, gold_spans, predicted_spans = "".join(gold), spans(gold), spans(predicted)
    rewritten = set(gold_spans)
    for span in predicted_spans:  # one predicted training word where the gold has several
        parts = inside(span, gold_spans)
        gold_words = tuple(text[a:b] for a, b in parts)
        if parts and whole[text[span[0]:span[1]]] >= MIN_COUNT and (len(parts) > 2 or side_by_side[gold_words] == 0):
            rewritten = (rewritten - set(parts)) | {span}
            changes[" ".join(gold_words) + " -> " + text[span[0]:span[1]]] += 1
    for span in gold_spans:  # two predicted words, side by side in training, where the gold has one
        parts = inside(span, predicted_spans)
        pair = tuple(text[a:b] for a, b in parts)
        if len(parts) == 2 and side_by_side[pair] >= MIN_COUNT and whole[text[span[0]:span[1]]] == 0:
            rewritten = (rewritten - {span}) | set(parts)
            changes[text[span[0]:span[1]] + " -> " + " ".join(pair)] += 1
    return [text[a:b] for a, b in sorted(rewritten)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--results", type=Path, default=Path("results"))
    args = parser.parse_args()

    train = read_corpus(args.data / "pd1998/train.txt").sentences
    gold = read_corpus(args.data / "icwb2/gold/pku_test_gold.utf8").sentences
    words = read_word_list(args.data / "icwb2/gold/pku_training_words.utf8")
    predicted = Segmenter.load(args.model).evaluate(gold).predictions

    weather = ["℃" in "".join(sentence) for sentence in gold]
    parts = {"all lines": [True] * len(gold), "weather lines (with ℃)": weather,
             "other lines": [not w for w in weather]}
    by_part = {}
    for name, keep in parts.items():
        chosen = [i for i, k in enumerate(keep) if k]
        result = score([gold[i] for i in chosen], [predicted[i] for i in chosen], words)
        by_part[name] = {"lines": len(chosen), "true_words": result.true_words, "f1": result.f1,
                         "oov_recall": result.oov_recall, "iv_recall": result.iv_recall}

    whole = Counter(word for sentence in train for word in sentence)
    side_by_side = Counter(pair for sentence in train for pair in zip(sentence[:-1], sentence[1:], strict=True))
    changes: Counter = Counter()
    rewritten = [to_training_standard(g, p, whole, side_by_side, changes) for g, p in zip(gold, predicted, strict=True)]
    drift = {"spans": sum(changes.values()), "f1_against_rewritten_gold": score(rewritten, predicted, words).f1,
             "most_frequent": changes.most_common(20)}

    print(f"{args.model}\n\n| part | lines | gold words | F1 | OOV recall | IV recall |\n|---|---|---|---|---|---|")
    for name, r in by_part.items():
        print(f"| {name} | {r['lines']:,} | {r['true_words']:,} | {r['f1'] * 100:.2f} | "
              f"{r['oov_recall'] * 100:.2f} | {r['iv_recall'] * 100:.2f} |")
    print(f"\nStandard drift: {drift['spans']} gold spans follow another convention than the training text, "
          f"consistently; with them rewritten to the training convention, F1 "
          f"{by_part['all lines']['f1'] * 100:.2f} -> {drift['f1_against_rewritten_gold'] * 100:.2f}.")
    print("Most frequent: " + ", ".join(f"{change} ({n})" for change, n in drift["most_frequent"]))

    path = args.results / "pku_test_analysis.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    results[str(args.model)] = {"by_part": by_part, "standard_drift": drift}
    args.results.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
