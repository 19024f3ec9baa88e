"""Training on many processes: ``torchrun --nproc_per_node N -m zhtagger train ...`` (or any launcher that sets
``WORLD_SIZE``, ``RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``) runs the same command line in N processes.

Data parallelism, as DistributedDataParallel does it: every process starts from rank 0's weights, takes its
own share of each epoch's batches (every process as many), and after each backward pass the gradients are
averaged over the processes in one all-reduce, so all of them take the same optimiser step and hold the same
weights. The effective batch is N times the batch size and an epoch is still one pass over the data, in N
times fewer steps; the learning rate is left as given. Only rank 0 evaluates on dev (its decision to stop
early is sent to the others), writes history, checkpoints, curves and the model directory. A model trained on
N processes is an ordinary model directory. The backend is gloo on the CPU, nccl on GPUs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Group:
    rank: int
    size: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def leads(group: Group | None) -> bool:
    """Whether this process evaluates, reports and writes: rank 0, or the only process."""
    return group is None or group.is_main


def join(device: str) -> Group | None:
    """The process group this process was launched in (joined now if need be), or None for one process."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if str(device).startswith("cuda") else "gloo")
    return Group(dist.get_rank(), dist.get_world_size())


def leave() -> None:
    """Leave the process group, if this process joined one, once every process has arrived here: a process
    that exits while its group is still up can abort in gloo's teardown."""
    import sys

    dist = sys.modules.get("torch.distributed")
    if dist is not None and dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def is_main_process() -> bool:
    """Whether this process reports results (rank 0, or the only process)."""
    return int(os.environ.get("RANK", "0")) == 0


def shard(batches: list, group: Group) -> list:
    """This process's share of an epoch's batches: every ``size``-th from its rank on, as many for each process
    (the last few batches are left out when they do not divide evenly)."""
    per_process = len(batches) // group.size
    if per_process == 0:
        raise ValueError(f"{len(batches)} training batches cannot be shared by {group.size} processes: use fewer "
                         "processes or a smaller --batch-size")
    return batches[group.rank :: group.size][:per_process]


def broadcast_weights(model: nn.Module) -> None:
    """Every process's parameters and buffers set to rank 0's."""
    import torch.distributed as dist

    for tensor in model.state_dict().values():
        dist.broadcast(tensor, src=0)


def average_gradients(model: nn.Module, group: Group) -> None:
    """Each parameter's gradient replaced by its mean over the processes, in two all-reduces: which rows of the
    embedding tables some process used (a table's gradient is zero elsewhere: a few thousand of 85,000 bigram
    rows a step), then those rows and every other parameter's gradient, flattened together: far less data than
    the whole gradient, in two calls whatever the number of tables (CTB6 on 2 processes: 84 s; 89-95 s with
    one all-reduce of the whole gradient)."""
    import torch.distributed as dist

    tables = {id(module.weight) for module in model.modules() if isinstance(module, nn.Embedding)}
    parameters = [p for p in model.parameters() if p.requires_grad]
    for parameter in parameters:
        if parameter.grad is None:  # unused in this process's batch: it still takes part in the sum
            parameter.grad = torch.zeros_like(parameter)
    embedded = [p for p in parameters if id(p) in tables]
    if embedded:
        used = torch.cat([p.grad.ne(0).any(dim=1) for p in embedded]).to(torch.uint8)
        dist.all_reduce(used, op=dist.ReduceOp.MAX)
        rows = [mask.nonzero().squeeze(1) for mask in used.bool().split([len(p) for p in embedded])]
    else:
        rows = []
    pieces = [p.grad[r].reshape(-1) for p, r in zip(embedded, rows, strict=True)]
    pieces += [p.grad.reshape(-1) for p in parameters if id(p) not in tables]
    flat = torch.cat(pieces)
    dist.all_reduce(flat)
    flat /= group.size
    offset = 0
    for parameter, row_ids in zip(embedded, rows, strict=True):
        count = len(row_ids) * parameter.shape[1]
        parameter.grad[row_ids] = flat[offset : offset + count].view(len(row_ids), -1)
        offset += count
    for parameter in (p for p in parameters if id(p) not in tables):
        count = parameter.grad.numel()
        parameter.grad.copy_(flat[offset : offset + count].view_as(parameter.grad))
        offset += count


def agree(value, group: Group | None):
    """Rank 0's ``value`` (a decision such as stopping early), in every process."""
    if group is None:
        return value
    import torch.distributed as dist

    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]
