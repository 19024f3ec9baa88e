"""Training on two processes (gloo on the CPU), as torchrun runs it: see zhtagger/core/distributed.py."""

import os
import socket
import sys

import pytest
import torch
import torch.multiprocessing as mp
from conftest import make_sentences

from zhtagger.core.config import TrainConfig
from zhtagger.tasks.segment.config import SegmenterConfig
from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.tasks.segment.train import train_segmenter

WORLD = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def join_group(rank: int, port: int) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(WORLD), RANK=str(rank))
    torch.set_num_threads(1)


def leave_group() -> None:
    """Leave the group, then end the worker at once: its outputs are written, and an interpreter shutting down
    with gloo's threads about aborted a finished worker once (SIGABRT, "terminate called without an active
    exception", 1 run in about 8 of the whole suite; never with the test alone). The command line's own exit
    under torchrun is tested below."""
    from zhtagger.core.distributed import leave

    leave()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def averaged(rank: int, port: int, out: str) -> None:
    from zhtagger.core.distributed import average_gradients, join

    join_group(rank, port)
    group = join("cpu")
    model = torch.nn.Sequential(torch.nn.Embedding(5, 2), torch.nn.Linear(3, 2))
    for parameter in model.parameters():
        parameter.grad = torch.full_like(parameter, float(rank + 1))
    model[0].weight.grad[rank + 1 :] = 0  # embedding rows used: 0 in rank 0; 0 and 1 in rank 1
    model[1].bias.grad = None if rank == 1 else model[1].bias.grad  # unused in one process: counted as zero
    average_gradients(model, group)
    torch.save({name: p.grad for name, p in model.named_parameters()}, os.path.join(out, f"grad{rank}.pt"))
    leave_group()


def trained(rank: int, port: int, out: str, epochs: int, resume: bool) -> None:
    join_group(rank, port)
    config = SegmenterConfig(char_dim=8, bigram_dim=8, hidden=8, batch_size=16, min_bigram_count=1, dropout=0.0)
    segmenter, result = train_segmenter(make_sentences(200, 1), make_sentences(30, 2), os.path.join(out, "run"),
                                        config, TrainConfig(epochs=epochs, lr=1e-2, quiet=True, resume=resume))
    torch.save({"weights": segmenter.net.state_dict(), "history": result.history},
               os.path.join(out, f"rank{rank}-epochs{epochs}.pt"))
    leave_group()


def spawn(function, *args) -> None:
    mp.start_processes(function, args=(free_port(), *args), nprocs=WORLD, start_method="spawn", join=True)


def test_gradients_are_averaged_over_the_processes(tmp_path):
    spawn(averaged, str(tmp_path))
    grads = [torch.load(tmp_path / f"grad{rank}.pt") for rank in range(WORLD)]
    for grad in grads:
        assert torch.equal(grad["1.weight"], torch.full((2, 3), 1.5))
        assert torch.equal(grad["1.bias"], torch.full((2,), 0.5))
        assert grad["0.weight"].tolist() == [[1.5, 1.5], [1.0, 1.0], [0, 0], [0, 0], [0, 0]]


def test_two_processes_train_one_model_that_loads_and_resumes(tmp_path):
    spawn(trained, str(tmp_path), 1, False)
    ranks = [torch.load(tmp_path / f"rank{rank}-epochs1.pt") for rank in range(WORLD)]
    for name, tensor in ranks[0]["weights"].items():  # the same steps in both: the same weights
        assert torch.equal(tensor, ranks[1]["weights"][name]), name
    assert len(ranks[0]["history"]) == 1 and ranks[1]["history"] == []  # rank 0 evaluates and writes
    model = Segmenter.load(tmp_path / "run")  # an ordinary model directory
    assert "".join(model.lcut("我喜欢北京")) == "我喜欢北京" and ranks[0]["history"][0]["f1"] > 0.3
    # stopped after epoch 1 (its checkpoint written), resumed to epoch 2: as if never stopped
    spawn(trained, str(tmp_path), 2, True)
    resumed = torch.load(tmp_path / "rank0-epochs2.pt")
    uninterrupted = tmp_path / "again"
    uninterrupted.mkdir()
    spawn(trained, str(uninterrupted), 2, False)
    straight = torch.load(uninterrupted / "rank0-epochs2.pt")
    assert [entry["epoch"] for entry in resumed["history"]] == [1, 2]
    assert resumed["history"][-1]["f1"] == pytest.approx(straight["history"][-1]["f1"])
    for name, tensor in straight["weights"].items():
        assert torch.allclose(tensor, resumed["weights"][name], atol=1e-6), name


def test_a_torchrun_training_killed_mid_run_resumes(tmp_path):
    import json
    import signal
    import subprocess
    import time

    for name, count, seed in (("train", 400, 1), ("dev", 40, 2)):
        (tmp_path / f"{name}.txt").write_text("".join(" ".join(s) + "\n" for s in make_sentences(count, seed)),
                                              encoding="utf-8")
    run = tmp_path / "run"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(WORLD), "--master_port",
               str(free_port()), "-m", "zhtagger", "train", "segment", "--train", str(tmp_path / "train.txt"),
               "--dev", str(tmp_path / "dev.txt"), "--out", str(run), "--epochs", "12", "--patience", "12",
               "--hidden", "8", "--char-dim", "8", "--bigram-dim", "8", "--batch-size", "8", "-q"]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (run / "checkpoint.pt").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the launcher and both workers, in the middle of a later epoch
    process.wait()
    done = len(json.loads((run / "history.json").read_text())["history"])
    assert 1 <= done < 12
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    history = json.loads((run / "history.json").read_text())["history"]
    assert [entry["epoch"] for entry in history] == list(range(1, 13))
    assert "".join(Segmenter.load(run).lcut("我喜欢北京")) == "我喜欢北京"
