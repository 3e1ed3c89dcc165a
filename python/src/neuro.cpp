// cajal::neuro for Python, in _cajal._neuro (wrapped by cajal/neuro.py): LIF and Hodgkin-Huxley
// simulation, LIF rate curves, populations and their tuning curves, optimal linear decoders, the
// spike op with its surrogate derivative.
// Convention: traces come back as float64 tensors, spike times as lists of floats; simulations
// release the GIL (they touch no Python object).
#include <pybind11/functional.h>

#include "bindings.h"

#include "cajal/neuro/neuro.h"

namespace cajal::python {

namespace {

using namespace cajal::neuro;

py::dict hh_trace_to_py(const HHTrace& tr) {
  py::dict d;
  d["t"] = opt_tensor(tr.t), d["v"] = opt_tensor(tr.v), d["m"] = opt_tensor(tr.m), d["h"] = opt_tensor(tr.h);
  d["n"] = opt_tensor(tr.n);
  d["spike_times"] = tr.spike_times;
  return d;
}

void init_neurons(py::module_& nm) {
  py::class_<LIFParams>(nm, "LIFParams")
      .def(py::init([](double tau_m, double t_ref, double v_rest, double v_th, double v_reset, double r_m) {
             return LIFParams{tau_m, t_ref, v_rest, v_th, v_reset, r_m};
           }),
           py::arg("tau_m") = 0.02, py::arg("t_ref") = 0.002, py::arg("v_rest") = 0.0, py::arg("v_th") = 1.0,
           py::arg("v_reset") = 0.0, py::arg("r_m") = 1.0)
      .def_readwrite("tau_m", &LIFParams::tau_m)
      .def_readwrite("t_ref", &LIFParams::t_ref)
      .def_readwrite("v_rest", &LIFParams::v_rest)
      .def_readwrite("v_th", &LIFParams::v_th)
      .def_readwrite("v_reset", &LIFParams::v_reset)
      .def_readwrite("r_m", &LIFParams::r_m)
      .def_static("dimensionless", &LIFParams::dimensionless, py::arg("tau_m") = 0.02, py::arg("t_ref") = 0.002)
      .def_static("physical", &LIFParams::physical)
      .def("rheobase", &LIFParams::rheobase)
      .def("__repr__", [](const LIFParams& p) {
        return fmt::format("LIFParams(tau_m={}, t_ref={}, v_rest={}, v_th={}, v_reset={}, r_m={})", p.tau_m, p.t_ref,
                           p.v_rest, p.v_th, p.v_reset, p.r_m);
      });

  nm.def("lif_rate_scalar", [](double J, const LIFParams& p) {
    p.validate("lif_rate");
    return lif_rate(J, p);
  }, py::arg("current"), py::arg("params"));
  nm.def("lif_rate_tensor", [](const Tensor& J, double tau_m, double t_ref) { return lif_rate(J, tau_m, t_ref); },
         py::arg("current"), py::arg("tau_m") = 0.02, py::arg("t_ref") = 0.002);
  nm.def("simulate_lif", [](const LIFParams& p, double J, double duration, double dt) {
    LIFTrace tr = [&] {
      py::gil_scoped_release release;
      return simulate_lif(p, J, duration, dt);
    }();
    py::dict d;
    d["t"] = tr.t, d["v"] = tr.v, d["spike_times"] = tr.spikes.times_of(0);
    return d;
  }, py::arg("params"), py::arg("current"), py::arg("duration"), py::arg("dt"));

  nm.def("simulate_hh", [](double amplitude, double onset, double offset, double duration, double dt,
                           const std::string& integrator, double threshold) {
    HHOptions o;
    o.duration = duration, o.dt = dt, o.integrator = hh_integrator_from_name(integrator), o.spike_threshold = threshold;
    HHTrace tr = [&] {
      py::gil_scoped_release release;
      return simulate_hh(StepCurrent{amplitude, onset, offset}, o);
    }();
    return hh_trace_to_py(tr);
  }, py::arg("current"), py::arg("onset"), py::arg("offset"), py::arg("duration"), py::arg("dt"), py::arg("integrator"),
     py::arg("threshold"));
  nm.def("hh_fi_curve", [](const std::vector<double>& currents, double duration, double measure, double dt,
                           const std::string& integrator) {
    HHIntegrator m = hh_integrator_from_name(integrator);
    py::gil_scoped_release release;
    return hh_fi_curve(currents, duration, measure, dt, m);
  }, py::arg("currents"), py::arg("duration"), py::arg("measure"), py::arg("dt"), py::arg("integrator"));
  nm.def("hh_rest", [] {
    HHState s = hh_rest();
    return py::make_tuple(s.v, s.m, s.h, s.n);
  });
  nm.def("hh_max_dt", [](const std::string& integrator) { return hh_max_dt(hh_integrator_from_name(integrator)); },
         py::arg("integrator"));
}

void init_population(py::module_& nm) {
  py::class_<Population>(nm, "Population")
      .def(py::init([](int64_t neurons, int64_t dims, std::pair<double, double> max_rates,
                       std::pair<double, double> intercepts, double radius, double tau_m, double t_ref, uint64_t seed) {
             PopulationOptions o;
             o.neurons = neurons, o.dims = dims, o.max_rate_low = max_rates.first, o.max_rate_high = max_rates.second;
             o.intercept_low = intercepts.first, o.intercept_high = intercepts.second, o.radius = radius;
             o.lif = LIFParams::dimensionless(tau_m, t_ref), o.seed = seed;
             return Population(o);
           }),
           py::arg("neurons"), py::arg("dims"), py::arg("max_rates"), py::arg("intercepts"), py::arg("radius"),
           py::arg("tau_m"), py::arg("t_ref"), py::arg("seed"))
      .def_property_readonly("neurons", &Population::size)
      .def_property_readonly("dims", &Population::dims)
      .def_property_readonly("radius", &Population::radius)
      .def_property_readonly("encoders", &Population::encoders)
      .def_property_readonly("gains", &Population::gains)
      .def_property_readonly("biases", &Population::biases)
      .def("max_rates", &Population::max_rates)
      .def("intercepts", &Population::intercepts)
      .def("currents", py::overload_cast<const Tensor&>(&Population::currents, py::const_), py::arg("x"))
      .def("rates", &Population::rates, py::arg("x"));

  nm.def("sample_ball", &sample_ball, py::arg("points"), py::arg("dims"), py::arg("radius") = 1.0, py::arg("seed") = 0);
  nm.def("grid_1d", &grid_1d, py::arg("points"), py::arg("radius") = 1.0);
  nm.def("cholesky_solve", &cholesky_solve, py::arg("G"), py::arg("B"));
  nm.def("cholesky_solve_lapack", &cholesky_solve_lapack, py::arg("G"), py::arg("B"));
  nm.def("ridge_decoders", &ridge_decoders, py::arg("A"), py::arg("T"), py::arg("lam"));
  // f: None (the identity) or a callable from sample points (S, d) to targets (S, k) or (S).
  nm.def("decoders_for", [](const Population& pop, py::object f, double noise, int64_t points, uint64_t seed) {
    DecoderOptions o;
    o.noise = noise, o.points = points, o.seed = seed;
    if (f.is_none()) return decoders_for(pop, o);
    return decoders_for(pop, [&f](const Tensor& x) { return py::cast<Tensor>(f(x)); }, o);
  }, py::arg("population"), py::arg("function"), py::arg("noise"), py::arg("points"), py::arg("seed"));
  nm.def("decoding_error", &decoding_error, py::arg("population"), py::arg("decoders"), py::arg("x"), py::arg("targets"),
         py::arg("sigma"));
}

void init_spikes(py::module_& nm) {
  nm.def("spike", [](const Tensor& x, const std::string& s, double slope) { return spike(x, surrogate_from_name(s), slope); },
         py::arg("x"), py::arg("surrogate") = "fast_sigmoid", py::arg("slope") = 0.0);
  nm.def("surrogate", [](const Tensor& x, const std::string& s, double slope) {
    return surrogate(x, surrogate_from_name(s), slope);
  }, py::arg("x"), py::arg("surrogate") = "fast_sigmoid", py::arg("slope") = 0.0);
  nm.def("surrogate_grad", [](const Tensor& x, const std::string& s, double slope) {
    return surrogate_grad(x, surrogate_from_name(s), slope);
  }, py::arg("x"), py::arg("surrogate") = "fast_sigmoid", py::arg("slope") = 0.0);
  nm.def("poisson_spikes", [](int64_t n, double rate, double duration, uint64_t seed, double dt) {
    return poisson_spikes(n, rate, duration, seed).binned(dt);
  }, py::arg("neurons"), py::arg("rate"), py::arg("duration"), py::arg("seed"), py::arg("dt"));
}

// The spiking MLP (surrogate.h) as a C++ module; cajal/neuro.py wraps it as cajal.neuro.SpikingMLP.
void init_spiking_mlp(py::module_& nm) {
  py::class_<SpikingMLP, nn::Module, std::shared_ptr<SpikingMLP>>(nm, "SpikingMLP")
      .def(py::init([](int64_t in, int64_t hidden, int64_t out, int64_t steps, double beta, double threshold,
                       const std::string& surrogate, double slope, const std::string& readout, py::object seed) {
             SpikingMLPOptions o;
             o.in = in, o.hidden = hidden, o.out = out, o.steps = steps;
             o.cell.beta = beta, o.cell.threshold = threshold, o.cell.surrogate = surrogate_from_name(surrogate);
             o.cell.slope = slope;
             o.readout = readout_from_name(readout);
             o.use_default_generator = seed.is_none();
             if (!seed.is_none()) o.seed = seed.cast<uint64_t>();
             return std::make_shared<SpikingMLP>(o);
           }),
           py::arg("in_features") = 784, py::arg("hidden") = 256, py::arg("num_classes") = 10, py::arg("steps") = 16,
           py::arg("beta") = 0.9, py::arg("threshold") = 1.0, py::arg("surrogate") = "fast_sigmoid",
           py::arg("slope") = 0.0, py::arg("readout") = "membrane", py::arg("seed") = py::none())
      .def_property_readonly("steps", [](const SpikingMLP& m) { return m.options().steps; })
      .def_property_readonly("readout", [](const SpikingMLP& m) { return std::string(readout_name(m.options().readout)); })
      .def_property_readonly("last_hidden_spikes", [](const SpikingMLP& m) { return m.last_hidden_spikes; })
      .def_property_readonly("last_output_spikes", [](const SpikingMLP& m) { return m.last_output_spikes; })
      .def("reset_model_metrics", &SpikingMLP::reset_model_metrics)
      .def("model_metrics", [](const SpikingMLP& m) {
        py::dict d;
        for (const auto& [k, v] : m.model_metrics()) d[py::str(k)] = v;
        return d;
      });
}

}  // namespace

void init_neuro(py::module_& m) {
  // The op-table row spike, as cajal.spike and cajal.nn.functional.spike.
  m.def("spike", [](const Tensor& input, const std::string& s, double slope) {
    return spike(input, surrogate_from_name(s), slope);
  }, py::arg("input"), py::arg("surrogate") = "fast_sigmoid", py::arg("slope") = 0.0,
     "Heaviside step H(input) forward; backward through the derivative of a smooth surrogate: "
     "'fast_sigmoid' 1 / (1 + k|x|)^2 (k = slope, default 25) or 'atan' (a/2) / (1 + (pi a x / 2)^2) (default a = 2).");
  py::module_ nm = m.def_submodule("_neuro", "cajal::neuro: spiking neurons, populations, decoders");
  init_neurons(nm);
  init_population(nm);
  init_spikes(nm);
  init_spiking_mlp(nm);
}

}  // namespace cajal::python
