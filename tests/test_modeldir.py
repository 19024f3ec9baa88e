import json

import pytest
import torch

from zhtagger.model import SequenceTagger, TaggerConfig
from zhtagger.modeldir import CONFIG_FILE, WEIGHTS_FILE, ModelDirError, load_model, save_model


def make_model() -> SequenceTagger:
    torch.manual_seed(0)
    return SequenceTagger(TaggerConfig(n_outputs=4, vocab_sizes=(12, 9), embedding_dims=(5, 3), hidden=6))


def test_save_load_gives_identical_outputs(tmp_path):
    model = make_model().eval()
    save_model(tmp_path / "m", model, "demo", {"note": "x"}, {"vocab.txt": "a\nb\n"})
    loaded, config = load_model(tmp_path / "m", "demo")
    ids = torch.randint(1, 9, (2, 6, 2))
    torch.testing.assert_close(loaded(ids), model(ids), rtol=0, atol=0)
    assert config["task_config"] == {"note": "x"}
    assert (tmp_path / "m" / "vocab.txt").read_text(encoding="utf-8") == "a\nb\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temporary directories left behind


def test_saving_over_an_existing_model_replaces_it(tmp_path):
    save_model(tmp_path / "m", make_model(), "demo", text_files={"old.txt": "old"})
    save_model(tmp_path / "m", make_model(), "demo")
    assert not (tmp_path / "m" / "old.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_failed_save_leaves_the_old_model(tmp_path):
    save_model(tmp_path / "m", make_model(), "demo", {"v": 1})
    with pytest.raises(TypeError):
        save_model(tmp_path / "m", make_model(), "demo", {"v": object()})  # not JSON-serialisable
    assert json.loads((tmp_path / "m" / CONFIG_FILE).read_text())["task_config"] == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_not_a_model_directory(tmp_path):
    with pytest.raises(ModelDirError, match="no such directory"):
        load_model(tmp_path / "missing")
    with pytest.raises(ModelDirError, match="config.json is missing"):
        load_model(tmp_path)


def test_missing_weights(tmp_path):
    save_model(tmp_path / "m", make_model(), "demo")
    (tmp_path / "m" / WEIGHTS_FILE).unlink()
    with pytest.raises(ModelDirError, match="weights.pt is missing"):
        load_model(tmp_path / "m")


def test_newer_format_version_is_refused(tmp_path):
    save_model(tmp_path / "m", make_model(), "demo")
    path = tmp_path / "m" / CONFIG_FILE
    config = json.loads(path.read_text())
    config["format_version"] = 99
    path.write_text(json.dumps(config))
    with pytest.raises(ModelDirError, match="format version 99, newer"):
        load_model(tmp_path / "m")


def test_mismatched_shapes(tmp_path):
    save_model(tmp_path / "m", make_model(), "demo")
    path = tmp_path / "m" / CONFIG_FILE
    config = json.loads(path.read_text())
    config["model"]["hidden"] = 7
    path.write_text(json.dumps(config))
    with pytest.raises(ModelDirError, match="does not match the model"):
        load_model(tmp_path / "m")


def test_wrong_task(tmp_path):
    save_model(tmp_path / "m", make_model(), "demo")
    with pytest.raises(ModelDirError, match="holds a 'demo' model, not a 'cumsum' model"):
        load_model(tmp_path / "m", "cumsum")
