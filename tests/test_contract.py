"""The task contract, checked the same way on every task: train from files or arrays into a model directory,
load it (also through zhtagger.load), predict, evaluate to an Evaluation, save, and fail clearly on a bad
model directory. Model directories of format version 1 keep loading and predicting as they did."""

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import make_sentences

import zhtagger
from zhtagger.core.config import TrainConfig
from zhtagger.evaluation import Evaluation
from zhtagger.modeldir import CONFIG_FILE, WEIGHTS_FILE, ModelDirError
from zhtagger.registry import PREDICTORS, predictor_class
from zhtagger.tasks.base import Predictor
from zhtagger.tasks.cumsum.data import generate

V1 = Path(__file__).parent / "data" / "v1"
QUICK = TrainConfig(epochs=1, lr=1e-2, quiet=True)


@dataclass
class Case:
    """One task's trained model (in ``run/model``), inputs to predict and gold data to evaluate on."""

    model: Predictor
    run: Path
    inputs: object
    gold: object


def train_segment(tmp: Path) -> Case:
    from zhtagger.tasks.segment.config import SegmenterConfig
    from zhtagger.tasks.segment.train import train_segmenter

    train = tmp / "train.txt"  # from a file, as users train
    train.write_text("".join("  ".join(s) + "\n" for s in make_sentences(300, 1)), encoding="utf-8")
    config = SegmenterConfig(char_dim=8, bigram_dim=8, hidden=8, layers=1, min_bigram_count=1, batch_size=16)
    model, _ = train_segmenter(train, None, tmp / "run", config, QUICK)
    return Case(model, tmp / "run", ["我喜欢北京天安门。", "今天 iPhone 15售价5999元", ""], make_sentences(20, 2))


def train_cloze(tmp: Path) -> Case:
    from zhtagger.tasks.cloze.config import ClozeConfig
    from zhtagger.tasks.cloze.train import train_cloze

    config = ClozeConfig(embedding_dim=8, hidden=8, layers=1, min_count=1, batch_size=16, sampled=0)
    model, _ = train_cloze(make_sentences(300, 3), make_sentences(30, 4), tmp / "run", config, QUICK)
    return Case(model, tmp / "run", ["我喜欢____。", "[MASK]去医院"], make_sentences(30, 5))


def train_cumsum(tmp: Path) -> Case:
    from zhtagger.tasks.cumsum.config import recipe_configs
    from zhtagger.tasks.cumsum.train import train_cumsum

    data, core, train = recipe_configs("fast", 6, hidden=4, n_train=500, n_dev=50, epochs=1, lr=QUICK.lr, quiet=True)
    model, _ = train_cumsum(data, core, train, tmp / "run", train=generate(500, 6, 5))  # from arrays
    return Case(model, tmp / "run", generate(4, 6, 7)[0], generate(50, 6, 8))


def train_tag(tmp: Path) -> Case:
    from zhtagger.tasks.tag.config import TaggingConfig
    from zhtagger.tasks.tag.train import train_tagger
    from zhtagger.text.tagdata import TaggedCorpus

    def corpus(count: int, seed: int) -> TaggedCorpus:  # every word of two characters or more an entity
        texts, chunks = [], []
        for words in make_sentences(count, seed):
            row, at = [], 0
            for word in words:
                if len(word) > 1:
                    row.append((at, at + len(word), "W"))
                at += len(word)
            texts.append("".join(words))
            chunks.append(row)
        return TaggedCorpus(texts, chunks)

    config = TaggingConfig(char_dim=8, bigram_dim=8, lexicon_dim=0, hidden=8, batch_size=16)
    model, _ = train_tagger(corpus(300, 1), None, tmp / "run", config, QUICK)
    return Case(model, tmp / "run", ["我喜欢北京天安门。", "今天 iPhone 15售价5999元", ""], corpus(20, 2))


TRAINERS = {"segment": train_segment, "cloze": train_cloze, "cumsum": train_cumsum, "tag": train_tag}


@pytest.fixture(scope="module", params=sorted(PREDICTORS))
def case(request, tmp_path_factory) -> Case:
    return TRAINERS[request.param](tmp_path_factory.mktemp(request.param))


def same(a, b) -> bool:
    return np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b


def close(a, b) -> bool:
    """Equal up to float32 rounding: probabilities within 1e-4 (relative), everything else exactly."""
    if isinstance(a, np.ndarray | float):
        return np.allclose(a, b, rtol=1e-4, atol=1e-6)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    return a == b


def test_every_task_has_a_case():
    assert set(TRAINERS) == set(PREDICTORS)


def test_training_writes_a_model_directory_that_loads_as_the_tasks_predictor(case):
    assert isinstance(case.model, Predictor) and isinstance(case.model, predictor_class(case.model.task))
    assert (case.run / "model" / CONFIG_FILE).is_file() and (case.run / "history.json").is_file()
    for path in (case.run, case.run / "model"):  # a run directory or its model directory
        loaded = zhtagger.load(path, engine="torch")
        assert type(loaded) is type(case.model)
        assert same(loaded.predict(case.inputs), case.model.predict(case.inputs))


def test_the_numpy_engine_predicts_as_torch_does(case):
    light = zhtagger.load(case.run)  # numpy: no torch needed
    assert not isinstance(light.net, torch.nn.Module)
    assert close(light.predict(case.inputs), case.model.predict(case.inputs))
    assert close(light.evaluate(case.gold).metrics, case.model.evaluate(case.gold).metrics)


def test_save_then_load_predicts_identically(case, tmp_path):
    case.model.save(tmp_path / "saved")
    loaded = type(case.model).load(tmp_path / "saved", engine="torch")
    assert same(loaded.predict(case.inputs), case.model.predict(case.inputs))
    light = type(case.model).load(tmp_path / "saved", engine="numpy")
    light.save(tmp_path / "from_numpy")  # the numpy engine saves the same weights
    assert same(type(case.model).load(tmp_path / "from_numpy", engine="torch").predict(case.inputs),
                loaded.predict(case.inputs))
    assert json.loads((tmp_path / "saved" / CONFIG_FILE).read_text())["train"]["lr"] == QUICK.lr
    loaded.save(tmp_path / "again")  # what a model was trained with survives a load and a save
    assert read_settings(tmp_path / "again") == read_settings(tmp_path / "saved")


def test_a_loaded_model_pickles_as_where_it_came_from_and_a_trained_one_whole(case):
    import pickle

    for engine in ("numpy", "torch"):
        loaded = zhtagger.load(case.run, engine=engine)
        payload = pickle.dumps(loaded)
        assert len(payload) < 2000, engine  # its directory and settings, not its weights
        assert same(pickle.loads(payload).predict(case.inputs), loaded.predict(case.inputs))
    trained = pickle.loads(pickle.dumps(case.model))  # trained here: no directory to come from
    assert same(trained.predict(case.inputs), case.model.predict(case.inputs))


def read_settings(path: Path) -> dict:
    config = json.loads((path / CONFIG_FILE).read_text())
    return {key: config[key] for key in ("task", "core", "settings", "train", "extra")}


def test_predict_gives_one_output_per_input(case):
    assert len(case.model.predict(case.inputs)) == len(case.inputs)


def test_evaluate_returns_an_evaluation_that_prints_and_serialises(case):
    result = case.model.evaluate(case.gold)
    assert isinstance(result, Evaluation) and result.task == case.model.task
    assert result.metrics and all(isinstance(v, int | float) for v in result.metrics.values())
    assert all(0 <= v <= 1 for k, v in result.metrics.items() if isinstance(v, float))
    assert result.table().strip()
    assert Evaluation.from_json(result.to_json()).as_dict() == result.as_dict()
    name = next(iter(result.metrics))
    assert getattr(result, name) == result.metrics[name]
    with pytest.raises(AttributeError, match="its metrics are"):
        result.no_such_metric  # noqa: B018


@pytest.mark.parametrize("damage, message", [
    (lambda d: shutil.rmtree(d), "no model directory at"),
    (lambda d: (d / CONFIG_FILE).unlink(), "config.json is missing"),
    (lambda d: (d / CONFIG_FILE).write_text("{not json"), "not a valid zhtagger model config"),
    (lambda d: (d / WEIGHTS_FILE).unlink(), "weights.npz is missing"),
])
def test_a_bad_model_directory_is_a_clear_error(case, tmp_path, damage, message):
    shutil.copytree(case.run / "model", tmp_path / "m")
    damage(tmp_path / "m")
    with pytest.raises(ModelDirError, match=message):
        type(case.model).load(tmp_path / "m")
    with pytest.raises(ModelDirError, match=message):
        zhtagger.load(tmp_path / "m")


def test_a_model_of_another_task_is_refused(case, tmp_path):
    other = next(task for task in sorted(PREDICTORS) if task != case.model.task)
    with pytest.raises(ModelDirError, match=f"holds a '{case.model.task}' model, not a '{other}' model"):
        predictor_class(other).load(case.run)


def test_shipped_names_load_through_the_registry():
    assert type(zhtagger.load("pku")).__name__ == "Segmenter"
    assert type(zhtagger.load("cloze")).__name__ == "Cloze"
    assert type(zhtagger.load("ner")).__name__ == "Tagger"
    with pytest.raises(ModelDirError, match="shipped models: pku, pku-pos, ctb, cloze, ner"):
        zhtagger.load("no-such-model")


def test_version_1_model_directories_predict_as_they_did():
    expected = json.loads((V1 / "expected.json").read_text(encoding="utf-8"))
    segmenter = zhtagger.load(V1 / "segment")
    assert segmenter.predict(expected["segment"]["texts"]) == expected["segment"]["words"]
    cloze = zhtagger.load(V1 / "cloze")
    text = expected["cloze"]["text"]
    assert [[w, pytest.approx(p, rel=1e-5)] for w, p in cloze.fill(text, 3)] == expected["cloze"]["fill"]
    ranked = cloze.rank(text, [w for w, _ in expected["cloze"]["rank"]])
    assert [[w, pytest.approx(p, rel=1e-5)] for w, p in ranked] == expected["cloze"]["rank"]
    cumsum = zhtagger.load(V1 / "cumsum")
    x, _ = generate(3, 5, expected["cumsum"]["seed"])
    np.testing.assert_allclose(cumsum.predict(x)[..., 0], expected["cumsum"]["probabilities"], rtol=1e-6)
