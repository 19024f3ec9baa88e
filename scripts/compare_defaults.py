"""Which shipped segmenter should be the default? Both on the gold text at hand from outside their training
data (and on each other's test), scored like the SIGHAN bakeoff without a word list, beside jieba; and how
each treats person names (the PKU standard writes a surname and given name as two words).

    python scripts/compare_defaults.py [--data ../shared/data]

Writes results/defaults.json and results/defaults.md.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import zhtagger
from zhtagger.text.corpus import read_corpus
from zhtagger.text.scoring import score

ROOT = Path(__file__).resolve().parents[1]
GOLD = {  # name -> (file, format, standard it follows)
    "PKU test (People's Daily 2000-01)": ("icwb2/gold/pku_test_gold.utf8", "words", "PKU"),
    "CTB6 test": ("ctb6/test.txt", "words", "CTB"),
    "SXU test (SIGHAN 2008)": ("sxu/test.txt", "words", "SXU"),
    "UD Chinese GSD test (Wikipedia)": ("ud/test.conll", "conll", "UD (CTB-like)"),
    "medical forum dev": ("domains/medical/dev.txt", "words", "medical"),
}
NAMES = ["邓小平会见了张三丰。", "李明和王小红是同学。", "习近平主席出席会议。", "欧阳修是宋代文学家。"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    import jieba

    jieba.setLogLevel(logging.WARNING)
    segmenters = {"pku": zhtagger.load("pku").lcut_batch, "ctb": zhtagger.load("ctb").lcut_batch,
                  "jieba 0.42": lambda texts: [[w for w in jieba.lcut(t) if w.strip()] for t in texts]}
    rows = []
    for name, (path, form, standard) in GOLD.items():
        gold = read_corpus(args.data / path, form).sentences
        texts = ["".join(sentence) for sentence in gold]
        row = {"text": name, "standard": standard, "sentences": len(gold)}
        for label, segment in segmenters.items():
            predicted = [[w for w in words if not w.isspace()] for words in segment(texts)]
            row[label] = score(gold, predicted).f1
        rows.append(row)
        print(row)
    names = {label: [" ".join(words) for words in segment(NAMES)] for label, segment in segmenters.items()}
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "defaults.json").write_text(json.dumps({"f1": rows, "names": names}, ensure_ascii=False,
                                                               indent=1) + "\n", encoding="utf-8")
    lines = ["| gold text | its standard | pku F1 | ctb F1 | jieba F1 |", "|---|---|---|---|---|"]
    lines += [f"| {r['text']} | {r['standard']} | {r['pku'] * 100:.2f} | {r['ctb'] * 100:.2f} | "
              f"{r['jieba 0.42'] * 100:.2f} |" for r in rows]
    lines += ["", "| sentence | pku | ctb | jieba |", "|---|---|---|---|"]
    lines += [f"| {text} | {names['pku'][i]} | {names['ctb'][i]} | {names['jieba 0.42'][i]} |"
              for i, text in enumerate(NAMES)]
    (ROOT / "results" / "defaults.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
