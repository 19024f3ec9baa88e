"""Benchmark: a 50 MB text segmented by `zhtagger cut --workers 1|2` and by Dask with 1|2 worker processes.

    python scripts/bench_scale.py [--data ../shared/data] [--megabytes 50] [--results results]

The text is the raw text and the segmented corpora of ../shared/data (spaces removed) repeated to the size asked,
one sentence or paragraph a line. Each run writes its segmentation to files (`cut -o`, Dask's `to_textfiles`),
and its time includes loading the model in every worker; a Dask run's time also includes starting the cluster
(given apart too). Scaling efficiency = chars/s with 2 workers / (2 x chars/s with 1). Writes results/scale.json
and results/scale.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from bench_speed import machine  # noqa: E402

SOURCES = ["raw/tnews_eprstmt.txt", "pd1998/train.txt", "ctb6/train.txt", "sxu/train.txt"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        text = make_text(args.data, Path(tmp) / "input.txt", args.megabytes)
        chars = len(text.read_text(encoding="utf-8"))
        rows = []
        for workers in (1, 2):
            rows.append(run_cut(text, Path(tmp) / f"cut{workers}.txt", workers, chars))
            print(rows[-1], flush=True)
        for workers in (1, 2):
            rows.append(run_dask(text, Path(tmp) / f"dask{workers}", workers, chars))
            print(rows[-1], flush=True)
        outputs = [(Path(tmp) / f"cut{workers}.txt").read_text(encoding="utf-8").splitlines() for workers in (1, 2)]
        outputs += [[line for path in sorted((Path(tmp) / f"dask{workers}").glob("*.part"), key=lambda p: int(p.stem))
                     for line in path.read_text(encoding="utf-8").splitlines()] for workers in (1, 2)]
        same = all(output == outputs[0] for output in outputs)  # line by line (Dask ends its parts without \n)
    for row in rows:
        one = next(r for r in rows if r["engine"] == row["engine"] and r["workers"] == 1)
        row["efficiency"] = row["chars_per_s"] / (row["workers"] * one["chars_per_s"])
    record = {"machine": machine(), "megabytes": args.megabytes, "chars": chars, "outputs_identical": same,
              "rows": rows}
    args.results.mkdir(exist_ok=True)
    (args.results / "scale.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    lines = [f"{args.megabytes} MB of text ({chars:,} characters); machine: {record['machine']}; outputs of "
             f"every run identical: {same}.", "",
             "| engine | workers | seconds | chars/s | scaling efficiency | cluster start s |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['engine']} | {r['workers']} | {r['seconds']:.1f} | {r['chars_per_s']:,.0f} | "
              f"{r['efficiency']:.2f} | {r.get('cluster_start_s', 0):.1f} |" for r in rows]
    (args.results / "scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def make_text(data: Path, path: Path, megabytes: int) -> Path:
    """Whole lines of the sources, over and over, until the file holds ``megabytes``."""
    lines = [text for source in SOURCES for line in (data / source).read_text(encoding="utf-8").splitlines()
             if (text := "".join(line.split()))]
    target, size = megabytes * 2**20, 0
    with path.open("w", encoding="utf-8") as file:
        while size < target:
            for line in lines:
                file.write(line + "\n")
                size += len(line.encode("utf-8")) + 1
                if size >= target:
                    break
    return path


def run_cut(text: Path, out: Path, workers: int, chars: int) -> dict:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "zhtagger", "cut", str(text), "-o", str(out), "--workers", str(workers),
                    "-q"], check=True)
    seconds = time.perf_counter() - started
    return {"engine": "zhtagger cut", "workers": workers, "seconds": seconds, "chars_per_s": chars / seconds}


def run_dask(text: Path, out: Path, workers: int, chars: int) -> dict:
    """In a child process, as a user's script would run it."""
    script = f"""
import json, time
started = time.perf_counter()
import dask.bag as db
from dask.distributed import Client, LocalCluster
import zhtagger
if __name__ == "__main__":
    with LocalCluster(n_workers={workers}, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \\
            Client(cluster):
        ready = time.perf_counter()
        segmenter = zhtagger.load("pku")
        lines = db.read_text({str(text)!r}, blocksize="4MB").map(lambda line: line.rstrip("\\n"))
        lines.map_partitions(segmenter.lcut_batch).map(" ".join).to_textfiles({str(out)!r} + "/*.part")
        print(json.dumps({{"seconds": time.perf_counter() - started, "cluster_start_s": ready - started}}))
"""
    result = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    times = json.loads(result.stdout.strip().splitlines()[-1])
    return {"engine": "Dask LocalCluster", "workers": workers, **times, "chars_per_s": chars / times["seconds"]}


if __name__ == "__main__":
    main()
