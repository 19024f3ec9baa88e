import numpy as np
import pytest

from zhtagger.cli import main
from zhtagger.tasks.cumsum.config import recipe_configs
from zhtagger.tasks.cumsum.data import generate
from zhtagger.tasks.cumsum.experiment import ExperimentConfig, run_experiment
from zhtagger.tasks.cumsum.predictor import Cumsum
from zhtagger.tasks.cumsum.train import train_cumsum


def loop_generate(x: np.ndarray) -> np.ndarray:
    """The reference's definition, written as a plain loop."""
    labels = []
    for sequence in x:
        limit = len(sequence) / 4.0
        total, row = 0.0, []
        for value in sequence:
            total += value
            row.append(0 if total < limit else 1)
        labels.append(row)
    return np.array(labels)


@pytest.mark.parametrize("length", [1, 4, 10, 33])
def test_generator_matches_the_loop_definition(length):
    x, y = generate(500, length, seed=length)
    assert x.shape == y.shape == (500, length, 1)
    assert x.min() >= 0 and x.max() < 1
    assert np.array_equal(y[..., 0].astype(int), loop_generate(x[..., 0].astype(np.float64)))


def test_generator_is_seedable():
    assert np.array_equal(generate(5, 10, 3)[0], generate(5, 10, 3)[0])
    assert not np.array_equal(generate(5, 10, 3)[0], generate(5, 10, 4)[0])
    with pytest.raises(ValueError, match="length must be a positive integer"):
        generate(5, -1)


def test_reference_configuration_learns_the_task(tmp_path):
    # The reference model and optimiser, with a tenth of its data: still well above the 0.5 to 0.75 that
    # guessing the majority label per step would give.
    data, model, train = recipe_configs("reference", n_train=5_000, quiet=True)
    trained, _ = train_cumsum(data, model, train, tmp_path)
    x, y = generate(2_000, 10, 99)
    scores = trained.evaluate((x, y)).metrics
    assert scores["step_accuracy"] > 0.93
    loaded = Cumsum.load(tmp_path / "model")
    assert loaded.data == data
    assert loaded.evaluate((x, y)).metrics == scores
    lines = loaded.format_examples(x[:3], y[:3])
    assert len(lines) == 3 and lines[0].startswith("y=[0 ") and ", yhat=[" in lines[0]


def test_cli_train_eval_predict(tmp_path, capsys):
    assert main(["cumsum", "train", "--recipe", "fast", "--n-train", "2000", "--epochs", "1", "-q",
                 "--n-test", "500", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Total params:" in out and '"step_accuracy"' in out and "correct=" in out
    assert main(["cumsum", "eval", "--model", str(tmp_path), "--n-test", "100"]) == 0
    assert main(["cumsum", "predict", "--model", str(tmp_path / "model"), "-n", "4"]) == 0
    assert capsys.readouterr().out.count("correct=") == 4


@pytest.mark.parametrize(
    "argv,message",
    [
        (["cumsum", "train", "--merge", "max"], "invalid choice: 'max' (choose from 'concat', 'sum', 'mul', 'ave')"),
        (["cumsum", "train", "--length", "-3"], "--length: must be a positive integer; got '-3'"),
        (["cumsum", "train", "--units", "0"], "--units: must be a positive integer; got '0'"),
        (["cumsum", "experiment", "--out", "x", "--sizes", "4,-1"], "--sizes must be comma-separated positive"),
    ],
)
def test_cli_rejects_bad_options(argv, message, capsys):
    try:
        code = main(argv)
    except SystemExit as exit:
        code = exit.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_cli_eval_on_a_directory_that_is_not_a_model(tmp_path, capsys):
    assert main(["cumsum", "eval", "--model", str(tmp_path)]) == 2
    assert "is not a zhtagger model directory" in capsys.readouterr().err


def test_experiment_writes_table_json_and_plot(tmp_path):
    config = ExperimentConfig(seeds=2, n_test=200, lengths=(4,), sizes=(2, 8), n_train=300, epochs=1)
    results = run_experiment(config, tmp_path)
    assert len(results["directions"]) == 6
    assert {cell["seeds"] for cell in results["directions"]} == {2}
    table = (tmp_path / "experiment.md").read_text()
    assert "| backward | — |" in table and "bidirectional | mul" in table
    assert (tmp_path / "experiment.png").stat().st_size > 1000
