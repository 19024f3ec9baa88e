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


def join(device: str) -> Group | None:
    """The process group this process was launched in (joined now if need be), or None for one process."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if str(device).startswith("cuda") else "gloo")
    return Group(dist.get_rank(), dist.get_world_size())


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
    """Each parameter's gradient replaced by its mean over the processes (one all-reduce for all of them)."""
    import torch.distributed as dist

    parameters = [p for p in model.parameters() if p.requires_grad]
    for parameter in parameters:
        if parameter.grad is None:  # unused in this process's batch: it still takes part in the sum
            parameter.grad = torch.zeros_like(parameter)
    flat = torch.cat([parameter.grad.reshape(-1) for parameter in parameters])
    dist.all_reduce(flat)
    flat /= group.size
    offset = 0
    for parameter in parameters:
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
