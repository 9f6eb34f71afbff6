"""torch.distributed setup from the launcher's environment, with SMDDP where SageMaker has it.

torchrun sets RANK/WORLD_SIZE/LOCAL_RANK; SageMaker's SMDDP launcher (mpirun) sets the
OMPI_COMM_WORLD_* equivalents. `smddp` is the collective backend of SageMaker's distributed
data parallel library on ml.p4d/p4de ("Use the SMDDP library in your PyTorch training script",
https://docs.aws.amazon.com/sagemaker/latest/dg/data-parallel-modify-sdp-pt.html): importing
`smdistributed.dataparallel.torch.torch_smddp` registers it with torch.distributed.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import torch
import torch.distributed as dist

SMDDP_MODULE = "smdistributed.dataparallel.torch.torch_smddp"


@dataclass(frozen=True)
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str = "none"
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def _env_int(environ: Mapping[str, str], *names: str, default: int) -> int:
    for name in names:
        if name in environ:
            return int(environ[name])
    return default


def smddp_available() -> bool:
    try:
        return importlib.util.find_spec(SMDDP_MODULE) is not None
    except ModuleNotFoundError:
        return False


def select_backend(requested: str, cuda: bool) -> str:
    """`auto` = smddp when the SageMaker library imports, else nccl on GPU, gloo on CPU."""
    if requested != "auto":
        return requested
    if smddp_available():
        return "smddp"
    return "nccl" if cuda else "gloo"


def init(requested_backend: str, environ: Mapping[str, str] = os.environ) -> DistContext:
    world = _env_int(environ, "WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", default=1)
    rank = _env_int(environ, "RANK", "OMPI_COMM_WORLD_RANK", default=0)
    local_rank = _env_int(environ, "LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", default=0)
    cuda = torch.cuda.is_available()
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world == 1:
        return DistContext(device=device)
    backend = select_backend(requested_backend, cuda)
    if backend == "smddp":
        importlib.import_module(SMDDP_MODULE)  # registers the backend
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, rank=rank, world_size=world)
    return DistContext(rank, world, local_rank, backend, device)


def any_rank(ctx: DistContext, flag: bool) -> bool:
    """True on every rank when `flag` is true on one (e.g. SIGTERM seen by one host)."""
    if not ctx.enabled:
        return flag
    value = torch.tensor([1.0 if flag else 0.0], device=ctx.device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def gather_floats(ctx: DistContext, value: float) -> list[float]:
    if not ctx.enabled:
        return [value]
    local = torch.tensor([value], dtype=torch.float64, device=ctx.device)
    out = [torch.zeros_like(local) for _ in range(ctx.world_size)]
    dist.all_gather(out, local)
    return [float(t.item()) for t in out]


def shutdown(ctx: DistContext) -> None:
    if ctx.enabled and dist.is_initialized():
        dist.destroy_process_group()
