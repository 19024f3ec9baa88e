"""How far one text travels from ``zhtagger.lcut`` to the decoder, and one training file from the command's
handler (``zhtagger train segment``) to the first batch of tensors in the network: the zhtagger modules
("rooms") and functions entered on the way, and the conversions between numpy arrays, torch tensors and
Python lists made by zhtagger's own code.

    python scripts/trace_walk.py [--json results/walk.json]

Counts come from ``sys.setprofile``: every Python call into a zhtagger module, and every C call (such as
``torch.from_numpy`` or ``Tensor.tolist``) made from one.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

CONVERSIONS = {"from_numpy", "numpy", "tolist", "as_tensor", "tensor", "asarray", "array", "fromiter"}


class Walk:
    """Records the zhtagger functions entered, and the conversions they make, from the first call of
    ``start_at`` (a function's qualified name; from the start when None) until ``stop_at`` is entered. Module
    and class bodies run by imports are not counted."""

    def __init__(self, start_at: str | None = None, stop_at: str | None = None) -> None:
        self.modules: dict[str, None] = {}  # in the order first entered
        self.functions: set[str] = set()
        self.conversions: Counter[str] = Counter()
        self.start_at, self.stop_at = start_at, stop_at
        self.started, self.stopped = start_at is None, False

    def __call__(self, frame, event, arg) -> None:
        module = frame.f_globals.get("__name__", "")
        if self.stopped or not module.startswith("zhtagger") or ran_by_import(frame):
            return
        if not self.started:
            self.started = event == "call" and frame.f_code.co_qualname == self.start_at
            if not self.started:
                return
        if event == "call":
            self.modules.setdefault(module)
            self.functions.add(f"{module}.{frame.f_code.co_qualname}")
            if self.stop_at and frame.f_code.co_qualname == self.stop_at:
                self.stopped = True
        elif event == "c_call" and getattr(arg, "__name__", "") in CONVERSIONS:
            self.conversions[arg.__name__] += 1

    def summary(self) -> dict:
        return {"modules": len(self.modules), "functions": len(self.functions), "module_path": list(self.modules),
                "conversions": dict(self.conversions), "conversion_calls": sum(self.conversions.values())}


def ran_by_import(frame) -> bool:
    """Module and class bodies (no locals of their own), what they call directly (module-level
    comprehensions), and the methods ``dataclasses`` writes: code that runs because a module is imported."""
    code, caller = frame.f_code, frame.f_back
    return (not code.co_flags & inspect.CO_NEWLOCALS or "__create_fn__" in code.co_qualname
            or (caller is not None and caller.f_code.co_name == "<module>"))


def trace(walk: Walk, run) -> dict:
    sys.setprofile(walk)
    try:
        run()
    finally:
        sys.setprofile(None)
    return walk.summary()


def walk_lcut() -> dict:
    import zhtagger

    zhtagger.lcut("预热")  # load the model outside the trace
    return trace(Walk(), lambda: zhtagger.lcut("我爱北京天安门，iPhone售价5999元。"))


def walk_training() -> dict:
    from zhtagger.cli import main

    words = "我 爱 北京 天安门 。 今天 天气 很 好 ， 我们 去 公园 玩 。".split()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "train.txt"
        corpus.write_text("".join(" ".join(words[i:] + words[:i]) + "\n" for i in range(40)), encoding="utf-8")
        argv = ["train", "segment", "--train", str(corpus), "--out", str(Path(tmp) / "run"), "--epochs", "1",
                "--hidden", "8", "--char-dim", "8", "--bigram-dim", "8", "-q"]
        return trace(Walk(start_at="run_train_segment", stop_at="SequenceTagger.forward"), lambda: main(argv))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the counts here")
    args = parser.parse_args()
    results = {"lcut_to_decoder": walk_lcut(), "training_file_to_tensors": walk_training()}
    for name, walk in results.items():
        print(f"{name}: {walk['modules']} modules, {walk['functions']} functions, "
              f"{walk['conversion_calls']} conversion calls {walk['conversions']}")
        print("   " + " -> ".join(walk["module_path"]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
