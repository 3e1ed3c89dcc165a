"""cajal.distributed as one process (pytest), and as two ranks: this file run under
`mpirun -np 2 python3 python/tests/test_distributed.py` (CTest distributed.python_two_ranks)
checks that DDP on two shards equals one process on the whole batch."""
import sys

import numpy as np

import cajal
import cajal.distributed as dist


def _train(model, x, y, steps, ddp):
    opt = cajal.optim.SGD(model.parameters(), lr=0.1)
    forward = dist.DistributedDataParallel(model) if ddp else model
    if ddp:
        idx = dist.DistributedSampler(x.shape[0], dist.get_world_size(), dist.get_rank(), shuffle=False).indices(0)
        x, y = x[cajal.tensor(idx)], y[cajal.tensor(idx)]
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = cajal.nn.functional.cross_entropy(forward(x), y)
        loss.backward()
        if ddp:
            forward.finish_gradient_sync()
            loss = dist.all_reduce(loss.detach().clone(), "mean")
        losses.append(loss.item())
        opt.step()
    return losses, [p.detach().numpy().copy() for p in model.parameters()]


def _mlp(seed):
    cajal.manual_seed(seed)
    return cajal.nn.Sequential(cajal.nn.Linear(6, 12, dtype=cajal.float64), cajal.nn.Tanh(),
                               cajal.nn.Linear(12, 3, dtype=cajal.float64))


def check_ddp_matches_one_process():
    dist.init()
    rng = np.random.default_rng(0)
    x = cajal.from_numpy(rng.standard_normal((16, 6)))
    y = cajal.from_numpy(rng.integers(0, 3, 16))
    one_losses, one_params = _train(_mlp(0), x, y, 20, ddp=False)
    ddp_losses, ddp_params = _train(_mlp(dist.get_rank() * 13), x, y, 20, ddp=True)
    np.testing.assert_allclose(ddp_losses, one_losses, rtol=1e-10)
    for a, b in zip(ddp_params, one_params):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    return dist.get_world_size()


def _bn_net(seed):
    cajal.manual_seed(seed)
    return cajal.nn.Sequential(cajal.nn.Conv2d(2, 4, 3, padding=1, dtype=cajal.float64),
                               cajal.nn.BatchNorm2d(4, dtype=cajal.float64), cajal.nn.ReLU(), cajal.nn.Flatten(),
                               cajal.nn.Linear(4 * 5 * 5, 3, dtype=cajal.float64))


def check_sync_batchnorm_matches_one_process():
    """SyncBatchNorm on shards of the batch: the same losses, parameters and running statistics as
    plain BatchNorm in one process on the whole batch, to float64 rounding."""
    dist.init()
    rng = np.random.default_rng(1)
    x = cajal.from_numpy(rng.standard_normal((12, 2, 5, 5)))
    y = cajal.from_numpy(rng.integers(0, 3, 12))
    one = _bn_net(0)
    one_losses, one_params = _train(one, x, y, 5, ddp=False)
    synced = dist.convert_sync_batchnorm(_bn_net(0))
    ddp_losses, ddp_params = _train(synced, x, y, 5, ddp=True)
    np.testing.assert_allclose(ddp_losses, one_losses, rtol=1e-10)
    for a, b in zip(ddp_params, one_params):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    bn_one, bn_sync = one[1], synced[1]
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(bn_sync, name).numpy(), getattr(bn_one, name).numpy(), rtol=1e-10)


def test_sync_batchnorm_in_one_process_is_batchnorm():
    check_sync_batchnorm_matches_one_process()


def test_one_process_group_is_rank_0_of_1_and_ddp_is_exact():
    assert check_ddp_matches_one_process() >= 1
    assert dist.get_rank() == 0 and dist.get_world_size() == 1
    t = cajal.tensor([1.0, 2.0])
    assert dist.all_reduce(t, "max").tolist() == [1.0, 2.0]
    assert dist.all_gather(t).shape == (1, 2)


def test_bad_reduction_is_a_value_error():
    import pytest
    with pytest.raises(ValueError, match="expected op 'sum', 'mean', 'max' or 'min', got 'avg'"):
        dist.all_reduce(cajal.tensor([1.0]), "avg")


if __name__ == "__main__":
    world = check_ddp_matches_one_process()
    check_sync_batchnorm_matches_one_process()
    print(f"rank {dist.get_rank()} of {world}: DDP equals one process, SyncBatchNorm too")
    sys.exit(0)
