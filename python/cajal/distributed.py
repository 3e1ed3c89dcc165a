"""cajal.distributed: data-parallel training over MPI (run the script with `mpirun -np N python3 ...`),
without mpi4py: cajal's C++ library talks to MPI. Outside mpirun the group is one process (rank 0
of 1) and every collective returns its input.

    import cajal, cajal.distributed as dist
    dist.init()
    model = cajal.models.build("mlp")
    ddp = dist.DistributedDataParallel(model)          # rank 0's weights on every rank
    sampler = dist.DistributedSampler(len(train), dist.get_world_size(), dist.get_rank(), seed=0)
    for idx in batches(sampler.indices(epoch)):       # this rank's share of each global batch
        opt.zero_grad()
        loss_fn(ddp(x[idx]), y[idx]).backward()        # buckets reduce while backward runs
        ddp.finish_gradient_sync()                     # every rank now holds the averaged gradients
        opt.step()
"""
from ._ext import _C
from .models import _cpp_of
from .nn import Module

_D = _C._distributed

init = _D.init
is_available = _D.available
is_initialized = _D.initialized
get_rank = _D.rank
get_world_size = _D.world_size
get_local_rank = _D.local_rank
barrier = _D.barrier
all_gather = _D.all_gather
abort_all = _D.abort_all
DistributedSampler = _D.DistributedSampler


def all_reduce(tensor, op="sum"):
    """Reduces `tensor` in place across ranks ('sum', 'mean', 'max' or 'min') and returns it."""
    return _D.all_reduce(tensor, op)


def broadcast(tensor, src=0):
    """Copies rank `src`'s values into `tensor` on every rank (in place) and returns it."""
    return _D.broadcast(tensor, src)


def convert_sync_batchnorm(module):
    """Makes every BatchNorm1d/2d in a C++-built model take its training statistics over all ranks'
    batches (PyTorch's SyncBatchNorm.convert_sync_batchnorm, in place); returns the module."""
    _D.convert_sync_batchnorm(_cpp_of(module))
    return module


def all_reduce_sum(tensor):
    """The sum of `tensor` over the ranks, differentiable: its backward sums the gradients too."""
    return _D.all_reduce_sum_differentiable(tensor)


class DistributedDataParallel(Module):
    """A model built in C++ (cajal.models.build, cajal.nn layers, a Sequential of them) replicated
    on every rank: its forward is the model's; call finish_gradient_sync() after each backward."""

    def __init__(self, module, bucket_cap_mb=4.0, broadcast_buffers=True):
        Module.__init__(self)
        self.module = module
        object.__setattr__(self, "_ddp", _D.DistributedDataParallel(_cpp_of(module), bucket_cap_mb, broadcast_buffers))

    def forward(self, *args):
        return self.module(*args)

    def finish_gradient_sync(self):
        self._ddp.finish_gradient_sync()

    @property
    def num_buckets(self):
        return self._ddp.num_buckets
