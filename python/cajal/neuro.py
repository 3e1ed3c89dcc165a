"""cajal.neuro: spiking neurons, population coding and decoders (the C++ cajal::neuro layer).

Units follow the C++ side: LIF code in seconds (the notes' dimensionless neuron: tau_m dv/dt =
v_in - v, spike at 1, reset to 0), Hodgkin-Huxley in mV, ms and uA/cm^2. Traces are float64
tensors; errors raise ValueError with the C++ message.

    >>> from cajal import neuro
    >>> neuro.lif_rate(1.5)                      # 1 / (t_ref - tau_m ln(1 - 1/v_in)), Hz
    >>> tr = neuro.simulate_hh(10.0, duration=100.0)
    >>> pop = neuro.Population(50, seed=0); pop.rates(neuro.grid_1d(201))
"""
from ._ext import _C
from .nn.modules._cpp import _CppModule

_N = _C._neuro

LIFParams = _N.LIFParams
sample_ball = _N.sample_ball
grid_1d = _N.grid_1d
cholesky_solve = _N.cholesky_solve
cholesky_solve_lapack = _N.cholesky_solve_lapack
ridge_decoders = _N.ridge_decoders
decoding_error = _N.decoding_error
hh_rest = _N.hh_rest
hh_max_dt = _N.hh_max_dt
spike = _N.spike
surrogate = _N.surrogate
surrogate_grad = _N.surrogate_grad

__all__ = [
    "LIFParams", "lif_rate", "simulate_lif", "simulate_hh", "hh_fi_curve", "hh_rest", "hh_max_dt",
    "Population", "sample_ball", "grid_1d", "decoders", "ridge_decoders", "cholesky_solve",
    "cholesky_solve_lapack", "decoding_error", "spike", "surrogate", "surrogate_grad", "poisson_spikes",
    "SpikingMLP",
]


def lif_rate(current, tau_m=0.02, t_ref=0.002, params=None):
    """Steady firing rate (Hz) of a LIF neuron for constant input.

    A number gives a float (with ``params``, any LIFParams, physical units included); a Tensor
    gives the differentiable dimensionless rate curve 1 / (t_ref - tau_m ln(1 - 1/J)) for J > 1,
    else 0, elementwise.
    """
    if isinstance(current, _C.Tensor):
        if params is not None:
            raise TypeError("lif_rate: params applies to a number; a Tensor takes tau_m and t_ref")
        return _N.lif_rate_tensor(current, tau_m, t_ref)
    p = params if params is not None else LIFParams.dimensionless(tau_m, t_ref)
    return _N.lif_rate_scalar(float(current), p)


def simulate_lif(current, duration, dt, tau_m=0.02, t_ref=0.002, params=None):
    """One LIF neuron under constant input, integrated exactly: dict t, v (float64 tensors, after
    each step) and spike_times (list of seconds)."""
    p = params if params is not None else LIFParams.dimensionless(tau_m, t_ref)
    return _N.simulate_lif(p, float(current), float(duration), float(dt))


def simulate_hh(current, duration=100.0, dt=0.01, integrator="exp_euler", onset=0.0, offset=-1.0,
                threshold=-20.0):
    """Hodgkin-Huxley neuron from rest under a step current ``current`` uA/cm^2 on [onset, offset)
    ms (offset < 0: to the end). integrator: "exp_euler" (dt <= 0.1 ms) or "rk4" (dt <= 0.05 ms).
    Returns dict t, v, m, h, n (float64 tensors) and spike_times (ms, upward crossings of
    ``threshold`` mV)."""
    return _N.simulate_hh(float(current), float(onset), float(offset), float(duration), float(dt), integrator,
                          float(threshold))


def hh_fi_curve(currents, duration=500.0, measure=300.0, dt=0.01, integrator="exp_euler"):
    """Steady firing rate (Hz) of the Hodgkin-Huxley neuron for each constant current, from the
    spikes in the last ``measure`` ms of ``duration`` ms."""
    return _N.hh_fi_curve([float(c) for c in currents], float(duration), float(measure), float(dt), integrator)


def Population(neurons, dims=1, max_rates=(200.0, 400.0), intercepts=(-1.0, 0.9), radius=1.0, tau_m=0.02,
               t_ref=0.002, seed=0):
    """N LIF neurons representing a ``dims``-vector, with gains, biases and encoders drawn as Nengo
    does (max rates and intercepts uniform in the given ranges). ``rates(x)`` are the tuning curves
    for points x of shape (S, dims) (or (S) when dims = 1)."""
    return _N.Population(int(neurons), int(dims), tuple(max_rates), tuple(intercepts), float(radius), float(tau_m),
                         float(t_ref), int(seed))


def decoders(population, function=None, noise=0.1, points=1000, seed=1):
    """Optimal linear decoders (N, k) of ``function`` (None: the identity) for the population: ridge
    least squares on ``points`` samples drawn from the ball, regularised by noise sigma = noise *
    max rate (lambda = S sigma^2). ``function`` maps a (S, d) tensor to (S, k) or (S)."""
    return _N.decoders_for(population, function, float(noise), int(points), int(seed))


def poisson_spikes(neurons, rate, duration, dt, seed=0):
    """Homogeneous Poisson spike trains, binned: a float64 (T, neurons) tensor of counts per bin."""
    return _N.poisson_spikes(int(neurons), float(rate), float(duration), int(seed), float(dt))


class SpikingMLP(_CppModule):
    """Rate-coded spiking MLP trained by surrogate-gradient BPTT (C++ cajal::neuro::SpikingMLP, the
    model ``cajal train snn`` trains): inputs in [0, 1] become Bernoulli spikes at each of ``steps``
    steps, Linear(in, hidden) -> LIF (decay ``beta``, reset by subtraction) -> Linear(hidden, classes)
    -> readout: "membrane" (a leaky non-spiking layer, logits = its mean membrane) or "count"
    (a spiking layer, logits = spike counts). ``seed`` None draws weights and spikes from cajal's
    default generator (manual_seed), an int from the model's own.

    After forwards, ``model_metrics()`` gives the spikes per example since
    ``reset_model_metrics()``: hidden_spikes (and output_spikes with the count readout).
    """

    def __init__(self, in_features=784, hidden=256, num_classes=10, steps=16, beta=0.9, threshold=1.0,
                 surrogate="fast_sigmoid", slope=0.0, readout="membrane", seed=None):
        _CppModule.__init__(self, _N.SpikingMLP(in_features, hidden, num_classes, steps, beta, threshold, surrogate,
                                                slope, readout, seed))
        self._remember_args(in_features, hidden, num_classes, steps, beta, threshold, surrogate, slope, readout,
                            seed=seed)

    @property
    def steps(self):
        return self._cpp.steps

    @property
    def readout(self):
        return self._cpp.readout

    @property
    def last_hidden_spikes(self):
        return self._cpp.last_hidden_spikes

    @property
    def last_output_spikes(self):
        return self._cpp.last_output_spikes

    def reset_model_metrics(self):
        self._cpp.reset_model_metrics()

    def model_metrics(self):
        return self._cpp.model_metrics()
