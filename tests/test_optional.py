"""Optional dependencies: segmenting needs none; what needs one says which package and extra to install."""

import json
import logging
import sys

import pytest
import torch

from zhtagger.optional import MissingDependency, require


@pytest.fixture
def without(monkeypatch):
    """Make importing the given modules fail, as if they were not installed."""

    def hide(*names: str) -> None:
        for name in names:
            monkeypatch.setitem(sys.modules, name, None)

    return hide


@pytest.mark.parametrize("module, package, extra", [
    ("seqeval.metrics", "seqeval", "eval"), ("datasets", "datasets", "train"),
    ("matplotlib.figure", "matplotlib", "plot"),
])
def test_a_missing_optional_package_names_the_fix(without, module, package, extra):
    without(module.split(".")[0], module)
    with pytest.raises(MissingDependency, match=rf"a report needs the '{package}' package.*"
                                                rf"pip install {package} \(or pip install 'zhtagger\[{extra}\]'\)"):
        require(module, "a report")


def test_training_without_matplotlib_skips_the_curve_and_says_why(without, tmp_path, caplog):
    from zhtagger.core.config import TrainConfig
    from zhtagger.core.model import SequenceTagger, TaggerConfig
    from zhtagger.core.training import fit
    from zhtagger.tasks.cumsum.data import generate, tensor_batches
    from zhtagger.tasks.cumsum.network import bce_loss

    without("matplotlib", "matplotlib.figure")
    model = SequenceTagger(TaggerConfig(n_outputs=1, n_features=1, hidden=4))
    x, y = (torch.from_numpy(a) for a in generate(64, 5, 1))
    with caplog.at_level(logging.WARNING):
        fit(model, tensor_batches(x, y, 16), bce_loss, TrainConfig(quiet=True), out_dir=tmp_path)
    assert json.loads((tmp_path / "history.json").read_text())["history"]
    assert not (tmp_path / "curve.png").exists()
    assert "pip install matplotlib" in caplog.text


def test_the_encoded_corpus_cache_without_datasets_is_a_clear_error(without, tiny_segmenter, tmp_path):
    from zhtagger.tasks.segment.data import encode_training

    without("datasets")
    segmenter, _, _ = tiny_segmenter
    with pytest.raises(MissingDependency, match="the encoded-corpus cache"):
        encode_training(segmenter.encode, [["我", "爱"]], None, (), (), tmp_path / "cache")
    assert len(encode_training(segmenter.encode, [["我", "爱"]], None, (), ())) == 1  # no cache: no datasets


def test_the_command_line_names_the_missing_package(without, tiny_segmenter, tiny_corpus, tmp_path, capsys):
    from zhtagger.cli import main

    _, _, run = tiny_segmenter
    gold = tmp_path / "gold.txt"
    gold.write_text("".join("  ".join(s) + "\n" for s in tiny_corpus[1][:5]), encoding="utf-8")
    without("seqeval", "seqeval.metrics")
    assert main(["eval", "segment", "--model", str(run), "--gold", str(gold), "--seqeval"]) == 2
    out, err = capsys.readouterr()
    assert "--seqeval needs the 'seqeval' package" in err and "pip install 'zhtagger[eval]'" in err
    assert out == ""  # nothing printed before the error
