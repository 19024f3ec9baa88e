"""Benchmark: segmentation speed, load time and peak memory of zhtagger's shipped models against jieba.

    python scripts/bench_speed.py [--data ../shared/data] [--repeat 10] [--rounds 3] [--results results]

The text is the PKU bakeoff test input repeated 10 times (1.7M characters), segmented line by line the way
a user does (zhtagger: ``lcut_batch`` over the lines; jieba 0.42: ``lcut`` per line, precise mode, default
settings). Each configuration runs in a fresh child process, so its load time (import + first ``lcut``)
and peak RSS are its own; every configuration runs once a round, for ``--rounds`` rounds, and reports its
fastest round (on a shared machine a row measured once moved by up to 30% between runs). zhtagger runs on
its numpy engine (the default: float32, no torch imported; BLAS at one thread), and on torch in float32 and,
where the CPU computes it natively, bfloat16, at two threads. Also measured: a 1 MB line without punctuation,
2 worker processes, and the command line on a 20 MB file with 1 or 2 threads (``--threads``: a stream's
threads) and 2 workers. Accuracy is each
model's PKU test F1 (the shipped models' metrics.json, measured in float32; jieba scored by bench_cws.py's
scorer). Writes results/speed.json and results/speed.md, with the CPU model and the flags that matter.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_INPUT = "icwb2/testing/pku_test.utf8"
TEST_GOLD = "icwb2/gold/pku_test_gold.utf8"
WORDS = "icwb2/gold/pku_training_words.utf8"
# (label, tool, options) of each child run
CONFIGS = [
    ("jieba 0.42", "jieba", {}),
    ("jieba 0.42, parallel (2 processes)", "jieba", {"parallel": 2}),
    ("zhtagger default (import zhtagger; zhtagger.lcut_batch), 1 thread", "zhtagger",
     {"model": "pku", "threads": 1, "api": True}),
    ("zhtagger default, zhtagger.lcut line by line (a jieba-style loop)", "zhtagger",
     {"model": "pku", "threads": 1, "api": True, "per_line": True}),
    ("zhtagger pku (default: numpy, float32), 1 thread", "zhtagger", {"model": "pku", "threads": 1}),
    ("zhtagger pku, numpy, 2 worker processes", "zhtagger", {"model": "pku", "threads": 1, "workers": 2}),
    ("zhtagger pku, torch float32, 2 threads", "zhtagger", {"model": "pku", "threads": 2, "engine": "torch"}),
    ("zhtagger pku, torch bfloat16, 2 threads", "zhtagger",
     {"model": "pku", "threads": 2, "engine": "torch", "precision": "bfloat16"}),
    ("zhtagger pku-pos (64 units, joint POS), numpy, 1 thread", "zhtagger", {"model": "pku-pos", "threads": 1}),
    ("zhtagger ctb, numpy, 1 thread", "zhtagger", {"model": "ctb", "threads": 1}),
    ("zhtagger pku, numpy, one 1 MB line, 1 thread", "zhtagger", {"model": "pku", "threads": 1, "one_line": True}),
    ("jieba 0.42, one 1 MB line", "jieba", {"one_line": True}),
    ("THULAC 0.2 (seg_only), a peer, when installed", "thulac", {}),
    ("pkuseg 0.0.25 (default model), a peer, when installed", "pkuseg", {}),
]
THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
FILE_MB = 20  # the command-line runs segment a file of this size
# (label, command after the interpreter) of each command-line run on that file; {file} and {out} filled in
FILE_RUNS = [
    ("jieba 0.42 (python -m jieba)", ["-m", "jieba", "-d", " ", "{file}"]),
    ("zhtagger cut, 1 worker, 1 thread", ["-m", "zhtagger", "cut", "{file}", "-o", "{out}"]),
    ("zhtagger cut, 1 worker, 2 threads", ["-m", "zhtagger", "cut", "{file}", "-o", "{out}", "--threads", "2"]),
    ("zhtagger cut --workers 2", ["-m", "zhtagger", "cut", "{file}", "-o", "{out}", "--workers", "2"]),
]


def peak_rss_mb() -> float:
    """The largest resident set of this process or of any worker process it waited for."""
    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024


def read_lines(data: Path, repeat: int, one_line: bool) -> list[str]:
    lines = [line for line in (data / TEST_INPUT).read_text(encoding="utf-8").split("\n") if line]
    if one_line:  # about 1 MB of UTF-8 on one line, punctuation and spaces removed: the worst case for pieces
        text = "".join(ch for ch in "".join(lines) if ch.isalnum())
        return [(text * (1 + 350_000 // len(text)))[:350_000]]
    return lines * repeat


def child(tool: str, options: dict, data: Path, repeat: int) -> dict:
    """Runs in a fresh process: load, then time segmenting the text; returns the measurements."""
    started = time.perf_counter()
    if tool == "thulac":
        import thulac

        model = thulac.thulac(seg_only=True)
        def segment(lines):
            return [model.cut(line, text=True).split(" ") for line in lines]
    elif tool == "pkuseg":
        import pkuseg

        model = pkuseg.pkuseg()  # its default model, shipped in its package
        model.cut("我爱北京天安门")
        def segment(lines):
            return [model.cut(line) for line in lines]
    elif tool == "jieba":
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.lcut("我爱北京天安门")
        if options.get("parallel"):
            jieba.enable_parallel(options["parallel"])
        segment = (lambda lines: [jieba.lcut(line) for line in lines]) if not options.get("parallel") else \
            (lambda lines: jieba.lcut("\n".join(lines)))
    elif options.get("api"):  # what a jieba user writes
        import zhtagger

        zhtagger.set_num_threads(options["threads"])
        zhtagger.lcut("我爱北京天安门")
        segment = (lambda lines: [zhtagger.lcut(line) for line in lines]) if options.get("per_line") else \
            zhtagger.lcut_batch
    else:
        from zhtagger.tasks.segment.predictor import Segmenter

        if options.get("engine") == "torch":
            import torch

            torch.set_num_threads(options["threads"])
        else:
            from zhtagger.core.threads import set_num_threads

            set_num_threads(options["threads"])  # a stream's threads (BLAS stays at one)
        model = Segmenter.load(options["model"], engine=options.get("engine", "auto"),
                               precision=options.get("precision", "auto"))
        model.lcut("我爱北京天安门")
        if options.get("workers"):
            from zhtagger.tasks.segment.stream import segment_lines

            def segment(lines):
                return list(segment_lines(lines, model, 1000, options["workers"]))
        else:
            segment = model.lcut_batch
    load_seconds = time.perf_counter() - started
    lines = read_lines(data, repeat, options.get("one_line", False))
    chars = sum(map(len, lines))
    started = time.perf_counter()
    tokens = segment(lines)
    seconds = time.perf_counter() - started
    if tool == "zhtagger" and not options.get("workers"):
        assert ["".join(t) for t in tokens] == lines  # nothing lost
    scored = {}
    if tool in ("thulac", "pkuseg"):  # a peer's F1, on the test text's first copy (zhtagger's, jieba's: metrics.json)
        from zhtagger.text.corpus import read_corpus
        from zhtagger.text.scoring import score

        gold = read_corpus(data / TEST_GOLD).sentences
        scored["pku_f1"] = score(gold, [[w for w in row if w.strip()] for row in tokens[: len(gold)]], set()).f1
    return {**scored, "load_s": load_seconds, "chars": chars, "seconds": seconds, "chars_per_s": chars / seconds,
            "peak_rss_mb": peak_rss_mb(), "torch_imported": "torch" in sys.modules}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--rounds", type=int, default=3, help="runs of every configuration; each row reports its "
                        "fastest (default 3)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        tool, options = json.loads(args.child)
        print(json.dumps(child(tool, options, args.data, args.repeat)))
        return

    native_bf16 = "avx512_bf16" in cpu_flags() or "amx_bf16" in cpu_flags()
    configs = [(label, tool, options) for label, tool, options in CONFIGS
               if not (options.get("precision") == "bfloat16" and not native_bf16)  # emulated: slower than float32
               and not (tool in ("thulac", "pkuseg") and importlib.util.find_spec(tool) is None)]
    runs: dict[str, list[dict]] = {label: [] for label, _, _ in configs}
    for round_number in range(args.rounds):  # round-robin: a noisy spell of a shared machine hits every row alike
        for label, tool, options in configs:
            runs[label].append(run_child(tool, options, args))
            print(f"round {round_number + 1}, {label}: {runs[label][-1]['chars_per_s']:,.0f} chars/s", file=sys.stderr)
    rows = [{"label": label, "tool": tool, **options, **best_of(runs[label])} for label, tool, options in configs]
    jieba_rate = rows[0]["chars_per_s"]
    one_line_rate = next(r["chars_per_s"] for r in rows if r["tool"] == "jieba" and r.get("one_line"))
    for row in rows:
        row["vs_jieba"] = row["chars_per_s"] / (one_line_rate if row.get("one_line") else jieba_rate)
        row["pku_f1"] = row.get("pku_f1") or f1_of(row, args.data)
    args.results.mkdir(parents=True, exist_ok=True)
    record = {"machine": machine(), "text": f"{TEST_INPUT} x {args.repeat}", "rounds": args.rounds, "rows": rows,
              "file_rows": file_runs(args.data)}
    (args.results / "speed.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    (args.results / "speed.md").write_text(table(record), encoding="utf-8")
    plot(record, args.results / "speed.png")
    print(table(record))


def run_child(tool: str, options: dict, args) -> dict:
    """One configuration's measurements, in a fresh process."""
    threads = dict.fromkeys(THREADS, str(options["threads"])) if "threads" in options else {}
    output = subprocess.run([sys.executable, __file__, "--data", str(args.data), "--repeat", str(args.repeat),
                             "--child", json.dumps([tool, options])], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **threads}, check=False)
    if output.returncode:
        raise SystemExit(f"{tool} {options} failed:\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def best_of(measured: list[dict]) -> dict:
    """A row from its rounds: the fastest round's speed (the least disturbed) and load time, the largest peak
    RSS; every round's speed kept."""
    fastest = max(measured, key=lambda m: m["chars_per_s"])
    return {**fastest, "load_s": min(m["load_s"] for m in measured),
            "peak_rss_mb": max(m["peak_rss_mb"] for m in measured),
            "chars_per_s_rounds": [m["chars_per_s"] for m in measured]}


def file_runs(data: Path) -> list[dict]:
    """Wall time of each FILE_RUNS command on a FILE_MB file (the PKU test text and raw/ headlines and
    reviews, repeated), load included, each in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        text = "\n".join(read_lines(data, 1, False) + (data / "raw" / "tnews_eprstmt.txt").read_text(
            encoding="utf-8").splitlines()) + "\n"
        size = len(text.encode("utf-8"))
        path, out = Path(tmp) / "input.txt", Path(tmp) / "output.txt"
        path.write_text(text * (FILE_MB * 2**20 // size + 1), encoding="utf-8")
        chars = len(path.read_text(encoding="utf-8"))
        rows = []
        for label, command in FILE_RUNS:
            command = [part.format(file=path, out=out) for part in command]
            started = time.perf_counter()
            subprocess.run([sys.executable, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
            seconds = time.perf_counter() - started
            rows.append({"label": label, "megabytes": path.stat().st_size / 2**20, "chars": chars,
                         "seconds": seconds, "chars_per_s": chars / seconds})
            print(f"{label}: {chars / seconds:,.0f} chars/s", file=sys.stderr)
    return rows


def f1_of(row: dict, data: Path) -> float | None:
    if row["tool"] == "zhtagger":
        metrics = json.loads((ROOT / "zhtagger" / "models" / row["model"] / "metrics.json").read_text())
        return metrics["test_scores"]["f1"] if metrics["test"] == TEST_GOLD else None
    metrics = json.loads((ROOT / "zhtagger" / "models" / "pku" / "metrics.json").read_text())
    return metrics["jieba_test_scores"]["f1"]  # jieba on the same PKU test, scored when the model was trained


def plot(record: dict, path: Path) -> None:
    """PKU F1 against chars/s, one point per configuration scored on PKU (speed.png)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5))
    points = sorted((row for row in record["rows"] if row["pku_f1"] is not None and not row.get("one_line")),
                    key=lambda row: row["chars_per_s"])
    for number, row in enumerate(points):
        peer, torch_engine = row["tool"] in ("jieba", "thulac", "pkuseg"), row.get("engine") == "torch"
        color = "tab:gray" if peer else ("tab:orange" if torch_engine else "tab:blue")
        x, y = row["chars_per_s"] / 1000, row["pku_f1"] * 100
        axes.scatter(x, y, color=color)
        axes.annotate(short_label(row), (x, y), fontsize=7, rotation=30,
                      xytext=(3, 6 if number % 2 else -16), textcoords="offset points")
    axes.set_ylim(80, 99)
    axes.set_xlabel("thousand characters per second (PKU test x 10, one process unless said)")
    axes.set_ylabel("PKU test F1 (%)")
    axes.set_title(f"Accuracy against speed on {record['machine'].split(',')[0]}", fontsize=9, pad=30)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def short_label(row: dict) -> str:
    if row["tool"] in ("thulac", "pkuseg"):
        return {"thulac": "THULAC", "pkuseg": "pkuseg"}[row["tool"]]
    if row["tool"] == "jieba":
        return "jieba, 2 processes" if row.get("parallel") else "jieba"
    parts = [row["model"], f"torch {row.get('precision', 'float32')}" if row.get("engine") == "torch" else "numpy"]
    if row.get("workers"):
        parts.append(f"{row['workers']} workers")
    elif row.get("per_line"):
        parts.append("zhtagger.lcut per line")
    elif row.get("api"):
        parts.append("zhtagger.lcut_batch")
    else:
        parts.append(f"{row['threads']} thread{'s' if row['threads'] > 1 else ''}")
    return ", ".join(parts)


def cpu_flags() -> set[str]:
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    return set(next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), []))


def machine() -> str:
    import importlib.metadata
    import platform

    import numpy

    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")),
                 platform.processor() or platform.machine())
    flags = " ".join(flag for flag in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if flag in cpu_flags())
    try:
        torch = f"torch {importlib.metadata.version('torch')}"
    except importlib.metadata.PackageNotFoundError:
        torch = "no torch"
    return f"{model} ({flags}), {os.cpu_count()} CPUs, numpy {numpy.__version__}, {torch}"


def table(record: dict) -> str:
    lines = [f"Text: {record['text']}; machine: {record['machine']}; each row the fastest of "
             f"{record.get('rounds', 1)} rounds (every row once a round, each run in a fresh process).", "",
             "| configuration | PKU F1 | chars/s | x jieba | load s | peak RSS MB | torch imported |",
             "|---|---|---|---|---|---|---|"]
    for r in record["rows"]:
        f1 = f"{r['pku_f1'] * 100:.2f}" if r["pku_f1"] is not None else "—"
        lines.append(f"| {r['label']} | {f1} | {r['chars_per_s']:,.0f} | {r['vs_jieba']:.2f} | {r['load_s']:.2f} | "
                     f"{r['peak_rss_mb']:.0f} | {'yes' if r['torch_imported'] else 'no'} |")
    files = record.get("file_rows", [])
    if files:
        one = next(r for r in files if "1 worker, 1 thread" in r["label"])
        lines += ["", f"Command line on a {files[0]['megabytes']:.0f} MB file (load included, output to a file):", "",
                  "| command | chars/s | x 1 worker | x jieba |", "|---|---|---|---|"]
        lines += [f"| {r['label']} | {r['chars_per_s']:,.0f} | {r['chars_per_s'] / one['chars_per_s']:.2f} | "
                  f"{r['chars_per_s'] / files[0]['chars_per_s']:.2f} |" for r in files]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
