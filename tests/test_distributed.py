"""Training on two processes (gloo on the CPU), as torchrun runs it: see zhtagger/core/distributed.py."""

import os
import socket

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
    from zhtagger.core.distributed import leave

    leave()


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
