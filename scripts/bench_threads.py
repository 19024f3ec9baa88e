"""Benchmark: the thread policy on a shared machine. One training epoch and one segmentation run, each with
--threads 1 and 2, on an idle CPU and beside a busy neighbour (a process spinning on one core, as another
user's job would).

    python scripts/bench_threads.py [--data ../shared/data] [--sentences 4000]

Each run is the command line in a fresh process (``zhtagger train segment`` on the first sentences of CTB6
train, one epoch; ``zhtagger cut`` on the PKU test input); wall-clock seconds. Writes results/threads.json
and results/threads.md.
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


def run(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "zhtagger", *command], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sentences", type=int, default=4000)
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        train = Path(tmp) / "train.txt"
        lines = (args.data / "ctb6" / "train.txt").read_text(encoding="utf-8").splitlines()[: args.sentences]
        train.write_text("\n".join(lines) + "\n", encoding="utf-8")
        jobs = {
            "train segment, 1 epoch": ["train", "segment", "--train", str(train), "--out", f"{tmp}/run", "--epochs",
                                       "1", "--hidden", "64", "--layers", "1", "-q"],
            "cut PKU test": ["cut", str(args.data / "icwb2" / "testing" / "pku_test.utf8"), "-o", f"{tmp}/out.txt",
                             "-q"],
        }
        rows = []
        for neighbour in (False, True):
            busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if neighbour else None
            try:
                for job, command in jobs.items():
                    for threads in (1, 2):
                        seconds = run([*command, "--threads", str(threads)])
                        rows.append({"job": job, "threads": threads, "busy_neighbour": neighbour, "seconds": seconds})
                        print(rows[-1], file=sys.stderr)
            finally:
                if busy:
                    busy.kill()
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "threads.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    table = ["| job | threads | idle s | beside a busy neighbour s |", "|---|---|---|---|"]
    for job in jobs:
        for threads in (1, 2):
            idle, busy = (next(r["seconds"] for r in rows if r["job"] == job and r["threads"] == threads
                               and r["busy_neighbour"] is n) for n in (False, True))
            table.append(f"| {job} | {threads} | {idle:.1f} | {busy:.1f} |")
    (args.results / "threads.md").write_text("\n".join(table) + "\n", encoding="utf-8")
    print("\n".join(table))


if __name__ == "__main__":
    main()
