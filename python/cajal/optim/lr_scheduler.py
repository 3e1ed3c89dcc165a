"""cajal.optim.lr_scheduler: torch.optim.lr_scheduler's schedules over cajal's closed forms
(StepLR, ExponentialLR, CosineAnnealingLR, LinearLR, ReduceLROnPlateau) and the notes' linear decay
(LinearDecayLR). Construction applies step 0; call step() after optimizer.step(), once per epoch
(or per iteration, as you define the unit)."""
from .._ext import _C

_O = _C._optim


class LRScheduler:
    """Base of the closed-form schedules: step(), get_last_lr(), last_epoch, state_dict()."""

    def __init__(self, cpp, optimizer):
        self._cpp = cpp
        self.optimizer = optimizer

    def step(self, epoch=None):
        if epoch is not None:
            raise ValueError(f"{type(self).__name__}.step(epoch) is not supported; call step() once per epoch")
        self._cpp.step()

    def get_last_lr(self):
        return list(self._cpp.get_last_lr())

    def lr_at(self, t, base_lr):
        """The schedule's closed form: the lr after t steps of a group whose base lr is base_lr."""
        return self._cpp.lr_at(t, base_lr)

    @property
    def last_epoch(self):
        return self._cpp.last_epoch

    @property
    def base_lrs(self):
        return list(self._cpp.base_lrs)

    def state_dict(self):
        return self._cpp.state_dict()

    def load_state_dict(self, state_dict):
        self._cpp.load_state_dict(state_dict)


_LRScheduler = LRScheduler


def _check_last_epoch(last_epoch):
    if last_epoch != -1:
        raise ValueError("last_epoch other than -1 is not supported; restore a schedule with load_state_dict")


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (t // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1, verbose=False):
        _check_last_epoch(last_epoch)
        LRScheduler.__init__(self, _O.StepLR(optimizer._opt, int(step_size), float(gamma)), optimizer)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** t."""

    def __init__(self, optimizer, gamma, last_epoch=-1, verbose=False):
        _check_last_epoch(last_epoch)
        LRScheduler.__init__(self, _O.ExponentialLR(optimizer._opt, float(gamma)), optimizer)


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2."""

    def __init__(self, optimizer, T_max, eta_min=0, last_epoch=-1, verbose=False):
        _check_last_epoch(last_epoch)
        LRScheduler.__init__(self, _O.CosineAnnealingLR(optimizer._opt, int(T_max), float(eta_min)), optimizer)


class LinearLR(LRScheduler):
    """Linear warm-up: base_lr * factor, factor going from start_factor to end_factor over total_iters steps."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1, verbose=False):
        _check_last_epoch(last_epoch)
        LRScheduler.__init__(self, _O.LinearWarmup(optimizer._opt, int(total_iters), float(start_factor),
                                                   float(end_factor)), optimizer)


class LinearDecayLR(LRScheduler):
    """The notes' linear decay (Goodfellow et al. 8.3.1): lr_t = (1 - t/T) lr_0 + (t/T) final_lr, then final_lr."""

    def __init__(self, optimizer, total_steps, final_lr):
        LRScheduler.__init__(self, _O.LinearDecayLR(optimizer._opt, int(total_steps), float(final_lr)), optimizer)


class ReduceLROnPlateau:
    """Multiplies every group's lr by factor after more than `patience` epochs without improvement."""

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8, verbose=False):
        if isinstance(min_lr, (list, tuple)):
            if len(set(min_lr)) != 1:
                raise ValueError("ReduceLROnPlateau: per-group min_lr values are not supported")
            min_lr = min_lr[0]
        self.optimizer = optimizer
        self._cpp = _O.ReduceLROnPlateau(optimizer._opt, dict(
            mode=mode, factor=float(factor), patience=int(patience), threshold=float(threshold),
            threshold_mode=threshold_mode, cooldown=int(cooldown), min_lr=float(min_lr), eps=float(eps)))

    def step(self, metrics, epoch=None):
        self._cpp.step(float(metrics))

    def get_last_lr(self):
        return list(self._cpp.get_last_lr())

    @property
    def last_epoch(self):
        return self._cpp.last_epoch

    @property
    def best(self):
        return self._cpp.best

    @property
    def num_bad_epochs(self):
        return self._cpp.num_bad_epochs

    @property
    def cooldown_counter(self):
        return self._cpp.cooldown_counter

    def state_dict(self):
        return self._cpp.state_dict()

    def load_state_dict(self, state_dict):
        self._cpp.load_state_dict(state_dict)
