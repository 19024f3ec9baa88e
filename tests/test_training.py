import json

import pytest
import torch

from zhtagger.core.config import TrainConfig
from zhtagger.core.model import SequenceTagger, TaggerConfig
from zhtagger.core.training import fit
from zhtagger.tasks.cumsum.config import CumsumConfig
from zhtagger.tasks.cumsum.data import generate, tensor_batches
from zhtagger.tasks.cumsum.network import bce_loss
from zhtagger.tasks.cumsum.predictor import Cumsum


def accuracy(model, x, y) -> dict:
    return Cumsum(model, CumsumConfig(length=x.shape[1])).evaluate((x, y)).metrics


def small_setup():
    torch.manual_seed(0)
    model = SequenceTagger(TaggerConfig(n_outputs=1, n_features=1, hidden=8, direction="forward"))
    x, y = (torch.from_numpy(a) for a in generate(640, 6, 1))
    x_dev, y_dev = generate(200, 6, 2)
    return model, tensor_batches(x, y, 32), (lambda m: accuracy(m, x_dev, y_dev))


def test_fit_writes_history_curve_and_keeps_the_best(tmp_path):
    model, batches, evaluate = small_setup()
    saved = []
    result = fit(model, batches, bce_loss, TrainConfig(epochs=3, lr=1e-2, quiet=True), evaluate,
                 "step_accuracy", tmp_path, save_best=saved.append)
    history = json.loads((tmp_path / "history.json").read_text())["history"]
    assert [entry["epoch"] for entry in history] == [1, 2, 3]
    assert result.best["step_accuracy"] == max(entry["step_accuracy"] for entry in history)
    assert accuracy(model, *generate(200, 6, 2))["step_accuracy"] == result.best["step_accuracy"]
    assert (tmp_path / "curve.png").stat().st_size > 1000
    assert saved and set(saved) == {tmp_path / "model"}


def test_resume_continues_exactly_where_it_stopped(tmp_path):
    model, batches, evaluate = small_setup()
    fit(model, batches, bce_loss, TrainConfig(epochs=3, lr=1e-2, quiet=True), out_dir=tmp_path / "straight")
    straight = model.state_dict()

    model, batches, evaluate = small_setup()
    fit(model, batches, bce_loss, TrainConfig(epochs=2, lr=1e-2, quiet=True), out_dir=tmp_path / "resumed")
    model, batches, evaluate = small_setup()
    result = fit(model, batches, bce_loss, TrainConfig(epochs=3, lr=1e-2, quiet=True, resume=True),
                 out_dir=tmp_path / "resumed")
    assert [entry["epoch"] for entry in result.history] == [1, 2, 3]
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(tensor, straight[name], rtol=0, atol=0)


def test_early_stopping_and_eval_every(tmp_path):
    model, batches, evaluate = small_setup()
    result = fit(model, batches, bce_loss, TrainConfig(epochs=50, lr=1e-9, patience=2, eval_every=5, quiet=True),
                 evaluate, "step_accuracy")
    assert len(result.history) == 3  # the first evaluation, then two without improvement
    assert [entry["step"] for entry in result.history] == [5, 10, 15]


@pytest.mark.parametrize(
    "kwargs,message",
    [(dict(epochs=0), "epochs must be a positive integer"), (dict(optimizer="sgd"), "optimizer must be one of"),
     (dict(lr=-1.0), "lr must be a positive number"), (dict(device="tpu"), "device must be one of")],
)
def test_invalid_train_config(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


def test_resuming_from_a_damaged_or_foreign_checkpoint_is_a_clear_error(tmp_path):
    from zhtagger.core.training import CheckpointError

    model, batches, _ = small_setup()
    fit(model, batches, bce_loss, TrainConfig(epochs=1, lr=1e-2, quiet=True), out_dir=tmp_path)
    checkpoint = tmp_path / "checkpoint.pt"
    other = SequenceTagger(TaggerConfig(n_outputs=1, n_features=1, hidden=9, direction="forward"))
    with pytest.raises(CheckpointError, match="written by a run with other settings"):
        fit(other, batches, bce_loss, TrainConfig(epochs=2, quiet=True, resume=True), out_dir=tmp_path)
    checkpoint.write_bytes(checkpoint.read_bytes()[:500])
    with pytest.raises(CheckpointError, match="is damaged and cannot be resumed from"):
        fit(model, batches, bce_loss, TrainConfig(epochs=2, quiet=True, resume=True), out_dir=tmp_path)
