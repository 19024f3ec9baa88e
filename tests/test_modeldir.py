import json
import shutil
from pathlib import Path

import pytest
import torch

from zhtagger.config import config_dict
from zhtagger.core.checkpoint import load_model, save_model
from zhtagger.core.model import SequenceTagger, TaggerConfig
from zhtagger.modeldir import CONFIG_FILE, FORMAT_VERSION, WEIGHTS_FILE, ModelDirError, model_config, read_config

V1 = Path(__file__).parent / "data" / "v1"  # model directories written by zhtagger at format version 1


def make_model() -> SequenceTagger:
    torch.manual_seed(0)
    return SequenceTagger(TaggerConfig(n_outputs=4, vocab_sizes=(12, 9), embedding_dims=(5, 3), hidden=6))


def demo_config(model: SequenceTagger, **settings) -> dict:
    return model_config("demo", config_dict(model.config), settings)


def test_save_load_gives_identical_outputs(tmp_path):
    model = make_model().eval()
    save_model(tmp_path / "m", model, demo_config(model, note="x"), {"vocab.txt": "a\nb\n"})
    loaded, config = load_model(tmp_path / "m", "demo")
    ids = torch.randint(1, 9, (2, 6, 2))
    torch.testing.assert_close(loaded(ids), model(ids), rtol=0, atol=0)
    assert config["settings"] == {"note": "x"}
    assert config["format_version"] == FORMAT_VERSION
    assert (tmp_path / "m" / "vocab.txt").read_text(encoding="utf-8") == "a\nb\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temporary directories left behind


def test_saving_over_an_existing_model_replaces_it(tmp_path):
    model = make_model()
    save_model(tmp_path / "m", model, demo_config(model), text_files={"old.txt": "old"})
    save_model(tmp_path / "m", model, demo_config(model))
    assert not (tmp_path / "m" / "old.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_failed_save_leaves_the_old_model(tmp_path):
    model = make_model()
    save_model(tmp_path / "m", model, demo_config(model, v=1))
    with pytest.raises(TypeError):
        save_model(tmp_path / "m", model, demo_config(model, v=object()))  # not JSON-serialisable
    assert json.loads((tmp_path / "m" / CONFIG_FILE).read_text())["settings"] == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_not_a_model_directory(tmp_path):
    with pytest.raises(ModelDirError, match="no such directory"):
        load_model(tmp_path / "missing")
    with pytest.raises(ModelDirError, match="config.json is missing"):
        load_model(tmp_path)


def test_missing_weights(tmp_path):
    model = make_model()
    save_model(tmp_path / "m", model, demo_config(model))
    (tmp_path / "m" / WEIGHTS_FILE).unlink()
    with pytest.raises(ModelDirError, match="weights.npz is missing"):
        load_model(tmp_path / "m")


@pytest.mark.parametrize("version", [99, 0, -1])
def test_unknown_format_versions_are_refused(tmp_path, version):
    model = make_model()
    save_model(tmp_path / "m", model, demo_config(model))
    path = tmp_path / "m" / CONFIG_FILE
    path.write_text(json.dumps(dict(json.loads(path.read_text()), format_version=version)))
    with pytest.raises(ModelDirError, match="newer" if version > 0 else "unknown model format version"):
        load_model(tmp_path / "m")


def test_mismatched_shapes(tmp_path):
    model = make_model()
    save_model(tmp_path / "m", model, demo_config(model))
    path = tmp_path / "m" / CONFIG_FILE
    config = json.loads(path.read_text())
    config["core"]["hidden"] = 7
    path.write_text(json.dumps(config))
    with pytest.raises(ModelDirError, match="does not match the model"):
        load_model(tmp_path / "m")


def test_wrong_task(tmp_path):
    model = make_model()
    save_model(tmp_path / "m", model, demo_config(model))
    with pytest.raises(ModelDirError, match="holds a 'demo' model, not a 'cumsum' model"):
        load_model(tmp_path / "m", "cumsum")


@pytest.mark.parametrize("task", ["segment", "cloze", "cumsum"])
def test_version_1_configs_are_migrated(task):
    old = json.loads((V1 / task / CONFIG_FILE).read_text(encoding="utf-8"))
    config = read_config(V1 / task)
    assert old["format_version"] == 1 and config["format_version"] == FORMAT_VERSION
    assert config["task"] == task and config["core"] == old["model"]
    settings_key = {"segment": "segmenter", "cloze": "cloze", "cumsum": "data"}[task]
    assert config["settings"] == old["task_config"][settings_key]
    assert config["train"] == old["task_config"]["train"]


def test_a_version_1_cloze_config_without_layers_gets_the_cores_depth(tmp_path):
    shutil.copytree(V1 / "cloze", tmp_path / "m")
    path = tmp_path / "m" / CONFIG_FILE
    old = json.loads(path.read_text(encoding="utf-8"))
    del old["task_config"]["cloze"]["layers"]  # cloze models saved before stacked layers existed
    path.write_text(json.dumps(old), encoding="utf-8")
    assert read_config(tmp_path / "m")["settings"]["layers"] == old["model"]["layers"]


def test_a_version_1_config_without_its_settings_is_a_clear_error(tmp_path):
    shutil.copytree(V1 / "segment", tmp_path / "m")
    path = tmp_path / "m" / CONFIG_FILE
    path.write_text(json.dumps(dict(json.loads(path.read_text(encoding="utf-8")), task_config={})))
    with pytest.raises(ModelDirError, match="version 1 config without its core or task settings"):
        read_config(tmp_path / "m")
