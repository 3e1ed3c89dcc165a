// cajal::models::energy for Python, in _cajal._energy (wrapped by cajal/energy.py): Hopfield
// networks and modern retrieval, RBMs with CD-k / PCD and the exact gradient, predictive coding
// networks with their three modes. RBM and PredictiveCodingNetwork are nn::Modules (their
// parameters alias the C++ ones); the Hopfield network is a plain object.
#include "bindings.h"

#include "cajal/models/energy/hopfield.h"
#include "cajal/models/energy/predictive_coding.h"
#include "cajal/models/energy/rbm.h"

namespace cajal::python {

namespace {

using namespace cajal::models::energy;

Generator* gen_of(const py::handle& g) { return g.is_none() ? nullptr : py::cast<Generator*>(g); }

HopfieldUpdate update_of(const std::string& name) {
  if (name == "async") return HopfieldUpdate::Async;
  if (name == "sync") return HopfieldUpdate::Sync;
  CAJAL_FAIL(Value, "hopfield", "update must be 'async' or 'sync', got '{}'", name);
}

py::tuple grads_to_py(const RBMGradients& g) { return py::make_tuple(g.weight, g.visible_bias, g.hidden_bias); }

void init_hopfield(py::module_& em) {
  em.def("check_bipolar", [](const Tensor& x) { check_bipolar(x, "hopfield"); }, py::arg("x"));
  em.def("hebbian_weights", &hebbian_weights, py::arg("patterns"), "W = X^T X / M with a zero diagonal.");
  em.def("hopfield_energy", &hopfield_energy, py::arg("weight"), py::arg("bias"), py::arg("x"));
  em.def("corrupt_bipolar", [](const Tensor& p, double f, py::handle g) { return corrupt_bipolar(p, f, gen_of(g)); },
         py::arg("patterns"), py::arg("fraction"), py::arg("generator") = py::none());
  em.def("random_bipolar", [](int64_t m, int64_t n, py::handle g) { return random_bipolar(m, n, gen_of(g)); },
         py::arg("m"), py::arg("n"), py::arg("generator") = py::none());
  em.def("modern_hopfield_retrieve", &modern_hopfield_retrieve, py::arg("patterns"), py::arg("queries"),
         py::arg("beta"), py::arg("steps") = 1);
  em.def("hopfield_capacity",
         [](int64_t units, std::vector<double> loads, int64_t trials, double flip, double threshold, int64_t max_sweeps,
            uint64_t seed) {
           CapacityOptions o;
           o.units = units, o.trials = trials, o.flip_fraction = flip, o.recall_threshold = threshold;
           o.max_sweeps = max_sweeps, o.seed = seed;
           if (!loads.empty()) o.loads = std::move(loads);
           std::vector<CapacityPoint> pts;
           {
             py::gil_scoped_release nogil;
             pts = hopfield_capacity(o);
           }
           py::list out;
           for (const auto& p : pts) {
             py::dict d;
             d["load"] = p.load, d["patterns"] = p.patterns, d["mean_overlap"] = p.mean_overlap;
             d["recalled"] = p.recalled, d["stable_bits"] = p.stable_bits;
             out.append(d);
           }
           return out;
         },
         py::arg("units") = 400, py::arg("loads") = std::vector<double>{}, py::arg("trials") = 3,
         py::arg("flip_fraction") = 0.05, py::arg("recall_threshold") = 0.95, py::arg("max_sweeps") = 50,
         py::arg("seed") = 0);

  py::class_<HopfieldNetwork>(em, "HopfieldNetwork")
      .def(py::init<const Tensor&>(), py::arg("patterns"))
      .def_static("empty", [](int64_t n) { return HopfieldNetwork(n); }, py::arg("n"))
      .def_property_readonly("size", &HopfieldNetwork::size)
      .def_property_readonly("weight", &HopfieldNetwork::weight)
      .def_property("bias", &HopfieldNetwork::bias, &HopfieldNetwork::set_bias)
      .def("energy", &HopfieldNetwork::energy, py::arg("x"))
      .def("sync_step", &HopfieldNetwork::sync_step, py::arg("x"))
      .def("async_sweep",
           [](const HopfieldNetwork& n, const Tensor& x, py::handle g, bool trace) -> py::object {
             std::vector<double> energies;
             Tensor out = n.async_sweep(x, gen_of(g), trace ? &energies : nullptr);
             if (!trace) return py::cast(out);
             return py::make_tuple(out, energies);
           },
           py::arg("x"), py::arg("generator") = py::none(), py::arg("energy_trace") = false,
           "One asynchronous sweep; with energy_trace=True also the first row's energy after every unit update.")
      .def("recall",
           [](const HopfieldNetwork& n, const Tensor& x, const std::string& update, int64_t max_steps, py::handle g) {
             HopfieldRecall r = n.recall(x, update_of(update), max_steps, gen_of(g));
             py::dict d;
             d["state"] = r.state, d["steps"] = r.steps, d["energies"] = r.energies;
             d["iterations"] = r.iterations, d["converged"] = r.converged;
             return d;
           },
           py::arg("x"), py::arg("update") = "async", py::arg("max_steps") = 100, py::arg("generator") = py::none());
}

void init_rbm(py::module_& em) {
  py::class_<RBM, nn::Module, std::shared_ptr<RBM>>(em, "RBM")
      .def(py::init([](int64_t visible, int64_t hidden, const std::string& units, int64_t chains, int64_t cd_k,
                       DType dtype, double init_std, py::handle g) {
             RBMOptions o;
             o.visible = visible, o.hidden = hidden, o.units = parse_visible_units(units);
             o.persistent_chains = chains, o.cd_k = cd_k, o.dtype = dtype, o.init_std = init_std;
             return std::make_shared<RBM>(o, gen_of(g));
           }),
           py::arg("visible"), py::arg("hidden"), py::arg("visible_units") = "bernoulli",
           py::arg("persistent_chains") = 0, py::arg("cd_k") = 1, py::arg("dtype") = DType::f32,
           py::arg("init_std") = 0.01, py::arg("generator") = py::none())
      .def_property_readonly("visible", [](const RBM& r) { return r.options().visible; })
      .def_property_readonly("hidden", [](const RBM& r) { return r.options().hidden; })
      .def_property_readonly("visible_units", [](const RBM& r) { return visible_units_name(r.options().units); })
      .def_property_readonly("cd_k", [](const RBM& r) { return r.options().cd_k; })
      .def("hidden_probs", &RBM::hidden_probs, py::arg("v"))
      .def("visible_mean", &RBM::visible_mean, py::arg("h"))
      .def("sample_hidden", [](const RBM& r, const Tensor& v, py::handle g) { return r.sample_hidden(v, gen_of(g)); },
           py::arg("v"), py::arg("generator") = py::none())
      .def("sample_visible", [](const RBM& r, const Tensor& h, py::handle g) { return r.sample_visible(h, gen_of(g)); },
           py::arg("h"), py::arg("generator") = py::none())
      .def("gibbs", [](const RBM& r, const Tensor& v, int64_t k, py::handle g) { return r.gibbs(v, k, gen_of(g)); },
           py::arg("v"), py::arg("k"), py::arg("generator") = py::none())
      .def("free_energy", &RBM::free_energy, py::arg("v"))
      .def("energy", &RBM::energy, py::arg("v"), py::arg("h"))
      .def("reconstruct", &RBM::reconstruct, py::arg("v"))
      .def("check_visible", [](const RBM& r, const Tensor& v) { r.check_visible(v, "rbm"); }, py::arg("v"))
      .def("sample", [](const RBM& r, int64_t n, int64_t steps, py::handle g) { return r.sample(n, steps, gen_of(g)); },
           py::arg("n"), py::arg("steps") = 1000, py::arg("generator") = py::none());
  em.def("cd_gradients", [](RBM& r, const Tensor& v, int64_t k, py::handle g) { return grads_to_py(cd_gradients(r, v, k, gen_of(g))); },
         py::arg("rbm"), py::arg("v"), py::arg("k") = 1, py::arg("generator") = py::none(),
         "(dW, db, dc) of the mean negative log-likelihood by CD-k, or PCD when the RBM has persistent chains.");
  em.def("exact_nll_gradients", [](const RBM& r, const Tensor& v) { return grads_to_py(exact_nll_gradients(r, v)); },
         py::arg("rbm"), py::arg("v"));
  em.def("exact_log_likelihood", &exact_log_likelihood, py::arg("rbm"), py::arg("v"));
  em.def("all_binary_states", &all_binary_states, py::arg("n"), py::arg("dtype") = DType::f32);
  em.def("pseudo_log_likelihood", &pseudo_log_likelihood, py::arg("rbm"), py::arg("v"));
  em.def("pseudo_log_likelihood_estimate",
         [](const RBM& r, const Tensor& v, py::handle g) { return pseudo_log_likelihood_estimate(r, v, gen_of(g)); },
         py::arg("rbm"), py::arg("v"), py::arg("generator") = py::none());
  em.def("set_gradients",
         [](RBM& r, const std::tuple<Tensor, Tensor, Tensor>& g) {
           set_gradients(r, {std::get<0>(g), std::get<1>(g), std::get<2>(g)});
         },
         py::arg("rbm"), py::arg("grads"));
  em.def("rbm_filters", &rbm_filters, py::arg("rbm"), py::arg("count"), py::arg("height"), py::arg("width"));
}

void init_pc(py::module_& em) {
  py::class_<PCState>(em, "PCState")
      .def_readonly("x", &PCState::x)
      .def_property_readonly("eps", [](const PCState& s) {
        py::list l;
        for (const Tensor& e : s.eps) l.append(opt_tensor(e));
        return l;
      })
      .def_readonly("energies", &PCState::energies)
      .def_readonly("steps", &PCState::steps)
      .def_property_readonly("prediction", [](const PCState& s) { return opt_tensor(s.prediction); });
  py::class_<PredictiveCodingNetwork, nn::Module, std::shared_ptr<PredictiveCodingNetwork>>(em, "PredictiveCodingNetwork")
      .def(py::init([](std::vector<int64_t> sizes, const std::string& activation, const std::string& direction,
                       int64_t steps, double rate, double tolerance, double output_variance) {
             PCOptions o;
             o.sizes = std::move(sizes), o.activation = activation, o.direction = direction;
             o.inference_steps = steps, o.inference_rate = rate, o.tolerance = tolerance;
             o.output_variance = output_variance;
             return std::make_shared<PredictiveCodingNetwork>(o);
           }),
           py::arg("sizes"), py::arg("activation") = "relu", py::arg("direction") = "discriminative",
           py::arg("inference_steps") = 50, py::arg("inference_rate") = 0.2, py::arg("tolerance") = 0.0,
           py::arg("output_variance") = 1.0)
      .def_property_readonly("sizes", [](const PredictiveCodingNetwork& p) { return p.options().sizes; })
      .def_property_readonly("direction", [](const PredictiveCodingNetwork& p) { return p.options().direction; })
      .def("feedforward_state", &PredictiveCodingNetwork::feedforward_state, py::arg("x0"))
      .def("relax", [](const PredictiveCodingNetwork& p, PCState& s, bool first, bool last, int64_t steps) {
             p.relax(s, first, last, steps);
           },
           py::arg("state"), py::arg("clamp_first"), py::arg("clamp_last"), py::arg("steps") = -1)
      .def("set_local_gradients", &PredictiveCodingNetwork::set_local_gradients, py::arg("state"))
      .def("train_state", &PredictiveCodingNetwork::train_state, py::arg("image"), py::arg("target"))
      .def("infer", &PredictiveCodingNetwork::infer, py::arg("image"), py::arg("steps") = -1)
      .def("generate", &PredictiveCodingNetwork::generate, py::arg("target"), py::arg("steps") = -1)
      .def("image_of", &PredictiveCodingNetwork::image_of, py::arg("state"))
      .def("label_of", &PredictiveCodingNetwork::label_of, py::arg("state"));
}

}  // namespace

void init_energy(py::module_& m) {
  py::module_ em = m.def_submodule("_energy", "Hopfield networks, RBMs, predictive coding (cajal.energy)");
  init_hopfield(em);
  init_rbm(em);
  init_pc(em);
}

}  // namespace cajal::python
