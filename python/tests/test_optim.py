"""cajal.optim against torch.optim: the 20-step trajectory of every optimizer (and option) on the
same problem from the same start, param groups, state_dict round trips (including torch's own
state dicts), and every LR schedule against torch.optim.lr_scheduler."""
import math

import numpy as np
import pytest

import cajal
import cajal.optim
from conftest import CAJAL, TORCH, check_close, torch

OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, weight_decay=0.3, amsgrad=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.5)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.05)),
]


def _problem(L, dtype):
    """A small regression MLP from fixed NumPy values: (params, loss_fn)."""
    rng = np.random.default_rng(11)
    w1 = L.from_numpy(rng.standard_normal((4, 3)).astype(dtype) * 0.5).requires_grad_()
    b1 = L.from_numpy(rng.standard_normal(4).astype(dtype) * 0.1).requires_grad_()
    w2 = L.from_numpy(rng.standard_normal((1, 4)).astype(dtype) * 0.5).requires_grad_()
    x = L.from_numpy(rng.standard_normal((16, 3)).astype(dtype))
    y = L.from_numpy(rng.standard_normal((16, 1)).astype(dtype))

    def loss():
        h = L.tanh(L.F.linear(x, w1, b1))
        return L.F.mse_loss(L.F.linear(h, w2), y)

    return [w1, b1, w2], loss


def _trajectory(L, name, opts, dtype, steps=20, groups=False):
    params, loss_fn = _problem(L, dtype)
    if groups:
        opt = getattr(L.optim, name)([{"params": params[:2]}, {"params": params[2:], "lr": opts["lr"] * 0.5}], **opts)
    else:
        opt = getattr(L.optim, name)(params, **opts)
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
        traj.append([p.detach().clone() for p in params] + [loss.detach()])
    return traj, opt, params


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,opts", OPTIMIZERS, ids=[f"{n}-{'-'.join(map(str, o.items()))}" for n, o in OPTIMIZERS])
def test_optimizer_trajectory_matches_torch(name, opts, dtype):
    tc, _, _ = _trajectory(CAJAL, name, opts, dtype)
    tt, _, _ = _trajectory(TORCH, name, opts, dtype)
    # Parameters (and the loss) after every step, at the op tolerances: float32 1e-5, float64 1e-10.
    for step, (c, t) in enumerate(zip(tc, tt)):
        for k, (a, b) in enumerate(zip(c, t)):
            check_close(f"{name}{opts} {dtype} step {step + 1} tensor {k}", a, b)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_param_groups_match_torch(name):
    opts = dict(lr=0.05, momentum=0.5) if name != "Adam" else dict(lr=0.05)
    tc, oc, _ = _trajectory(CAJAL, name, opts, "float64", steps=10, groups=True)
    tt, ot, _ = _trajectory(TORCH, name, opts, "float64", steps=10, groups=True)
    for c, t in zip(tc[-1], tt[-1]):
        check_close(f"{name} groups", c, t)
    assert [g["lr"] for g in oc.param_groups] == [g["lr"] for g in ot.param_groups]


def test_param_group_writes_reach_the_optimizer():
    params, loss_fn = _problem(CAJAL, "float64")
    opt = cajal.optim.SGD(params, lr=0.1)
    opt.param_groups[0]["lr"] = 0.0
    opt.zero_grad()
    loss_fn().backward()
    before = [p.clone() for p in params]
    opt.step()
    assert all(cajal.equal(a, b) for a, b in zip(before, params))
    assert opt.param_groups[0]["lr"] == 0.0
    with pytest.raises(ValueError):
        opt.param_groups[0]["lr"] = -1.0
    with pytest.raises(ValueError, match="lr"):
        cajal.optim.SGD(params)


@pytest.mark.parametrize("name,opts", [("Adam", dict(lr=0.01, amsgrad=True)), ("SGD", dict(lr=0.05, momentum=0.9)),
                                       ("RMSprop", dict(lr=0.01, centered=True)), ("Adagrad", dict(lr=0.1))])
def test_state_dict_round_trip_continues_identically(name, opts):
    full, _, _ = _trajectory(CAJAL, name, opts, "float64", steps=20)
    # Ten steps, save, a fresh optimizer over copies of the parameters, load, ten more steps.
    _, opt, params = _trajectory(CAJAL, name, opts, "float64", steps=10)
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1, 2] and sd["state"][0]["step"] == 10
    resumed = [p.detach().clone().requires_grad_() for p in params]
    opt2 = getattr(cajal.optim, name)(resumed, **opts)
    opt2.load_state_dict(sd)
    _, loss_fn = _problem_over(resumed)
    for _ in range(10):
        opt2.zero_grad()
        loss_fn().backward()
        opt2.step()
    for a, b in zip(resumed, full[-1]):
        check_close(f"{name} resumed", a.detach(), b, rtol=0)


def _problem_over(params):
    """The loss of _problem (same data, drawn from the same seed) over the given parameters."""
    rng = np.random.default_rng(11)
    rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal((1, 4))  # _problem's params
    x = cajal.from_numpy(rng.standard_normal((16, 3)))
    y = cajal.from_numpy(rng.standard_normal((16, 1)))
    w1, b1, w2 = params
    F = cajal.nn.functional
    return params, lambda: F.mse_loss(F.linear(cajal.tanh(F.linear(x, w1, b1)), w2), y)


def test_torch_optimizer_state_loads_into_cajal():
    # Ten torch Adam steps, then its state_dict drives cajal's Adam for ten more: same as torch's twenty.
    tt, ot, tparams = _trajectory(TORCH, "Adam", dict(lr=0.01), "float64", steps=10)
    cparams = [cajal.from_numpy(p.detach().numpy().copy()).requires_grad_() for p in tparams]
    oc = cajal.optim.Adam(cparams, lr=0.01)
    oc.load_state_dict(ot.state_dict())
    _, loss_c = _problem_over(cparams)
    _, loss_t = _problem_over_torch(tparams)
    for _ in range(10):
        for opt, loss_fn in ((oc, loss_c), (ot, loss_t)):
            opt.zero_grad()
            loss_fn().backward()
            opt.step()
    for a, b in zip(cparams, tparams):
        check_close("torch state -> cajal Adam", a, b)


def _problem_over_torch(params):
    rng = np.random.default_rng(11)
    rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal((1, 4))
    x = torch.from_numpy(rng.standard_normal((16, 3)))
    y = torch.from_numpy(rng.standard_normal((16, 1)))
    w1, b1, w2 = params
    F = torch.nn.functional
    return params, lambda: F.mse_loss(F.linear(torch.tanh(F.linear(x, w1, b1)), w2), y)


def test_clip_grad_norm_matches_torch():
    out = {}
    for L, clip in ((CAJAL, cajal.nn.utils.clip_grad_norm_), (TORCH, torch.nn.utils.clip_grad_norm_)):
        params, loss_fn = _problem(L, "float64")
        (loss_fn() * 100).backward()
        norm = clip(params, 0.5)
        out[L.name] = (float(norm), [p.grad for p in params])
    assert out["cajal"][0] == pytest.approx(out["torch"][0], rel=1e-12)
    for a, b in zip(out["cajal"][1], out["torch"][1]):
        check_close("clipped grad", a, b)


# ---------------------------------------------------------------------------- LR schedules
SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=7)),
    ("LinearLR", dict(start_factor=0.25, end_factor=1.0, total_iters=6)),
    ("LinearLR", dict()),
]


@pytest.mark.parametrize("name,kw", SCHEDULES, ids=[f"{n}-{k}" for n, k in SCHEDULES])
def test_lr_schedule_matches_torch(name, kw):
    lrs = {}
    for L in (CAJAL, TORCH):
        p = L.zeros(2, requires_grad=True)
        q = L.zeros(1, requires_grad=True)
        opt = L.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.3}], lr=0.1, momentum=0.9)
        sched = getattr(L.optim.lr_scheduler, name)(opt, **kw)
        seq = [sched.get_last_lr()]
        for _ in range(25):  # past T_max: the cosine goes back up in both
            opt.step()
            sched.step()
            seq.append(sched.get_last_lr())
            assert [g["lr"] for g in opt.param_groups] == seq[-1]
        lrs[L.name] = seq
    np.testing.assert_allclose(lrs["cajal"], lrs["torch"], rtol=1e-12, atol=1e-15)


def test_reduce_lr_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.9, 0.91, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
    for kw in (dict(patience=2), dict(mode="max", factor=0.5, patience=1, cooldown=2, min_lr=0.01),
               dict(patience=1, threshold=0.05, threshold_mode="abs")):
        lrs = {}
        for L in (CAJAL, TORCH):
            opt = L.optim.SGD([L.zeros(1, requires_grad=True)], lr=0.1)
            sched = L.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
            seq = []
            for m in metrics:
                sched.step(m)
                seq.append(opt.param_groups[0]["lr"])
            lrs[L.name] = seq
        np.testing.assert_allclose(lrs["cajal"], lrs["torch"], rtol=1e-12, err_msg=str(kw))


def test_linear_decay_follows_the_notes_formula():
    opt = cajal.optim.SGD([cajal.zeros(1, requires_grad=True)], lr=0.5)
    sched = cajal.optim.lr_scheduler.LinearDecayLR(opt, total_steps=4, final_lr=0.1)
    seq = [sched.get_last_lr()[0]]
    for _ in range(6):
        sched.step()
        seq.append(sched.get_last_lr()[0])
    want = [(1 - min(t, 4) / 4) * 0.5 + min(t, 4) / 4 * 0.1 for t in range(7)]
    np.testing.assert_allclose(seq, want, rtol=1e-14)


def test_scheduler_state_dict_round_trip():
    opt = cajal.optim.SGD([cajal.zeros(1, requires_grad=True)], lr=1.0)
    sched = cajal.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        sched.step()
    sd = sched.state_dict()
    opt2 = cajal.optim.SGD([cajal.zeros(1, requires_grad=True)], lr=1.0)
    sched2 = cajal.optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=10)
    sched2.load_state_dict(sd)
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr() and sched2.last_epoch == 5
    assert math.isclose(opt2.param_groups[0]["lr"], (1 + math.cos(math.pi * 5 / 10)) / 2)
