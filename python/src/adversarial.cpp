// cajal::adversarial for Python, in _cajal._adversarial: the attacks and the defences' loss on
// any callable classifier (a cajal.nn.Module, a function), wrapped by cajal/adversarial.py. The
// classifier is called back with the GIL held, so these calls do not release it.
#include <pybind11/functional.h>

#include "bindings.h"
#include "cajal/adversarial/attacks.h"
#include "cajal/adversarial/defence.h"

namespace cajal::python {

namespace {

adversarial::Classifier classifier(const py::object& model) {
  if (!PyCallable_Check(model.ptr()))
    throw Error(ErrorKind::Type, "adversarial", "expected a callable classifier (a Module or function), got " +
                                                    std::string(py::str(py::type::of(model).attr("__name__"))));
  return [model](const Tensor& x) { return model(x).cast<Tensor>(); };
}

// clamp=(min, max) with None for an open end, or None for no clamping at all.
adversarial::AttackOptions attack_options(double eps, const std::string& norm, const py::object& clamp, bool targeted,
                                          int64_t steps, double step_size, bool random_start, Generator* gen) {
  adversarial::AttackOptions o;
  o.eps = eps;
  o.norm = adversarial::parse_norm(norm);
  o.clamp_min = o.clamp_max = std::nullopt;
  if (!clamp.is_none()) {
    auto range = clamp.cast<std::pair<std::optional<double>, std::optional<double>>>();
    o.clamp_min = range.first;
    o.clamp_max = range.second;
  }
  o.targeted = targeted;
  o.steps = steps;
  o.step_size = step_size;
  o.random_start = random_start;
  o.generator = gen;
  return o;
}

}  // namespace

void init_adversarial(py::module_& m) {
  py::module_ a = m.def_submodule("_adversarial", "cajal::adversarial (wrapped by cajal.adversarial)");
  a.def("input_gradient", [](const py::object& f, const Tensor& x, const Tensor& y) {
    return adversarial::input_gradient(classifier(f), x, y);
  });
  a.def("predict", [](const py::object& f, const Tensor& x) { return adversarial::predict(classifier(f), x); });
  a.def("gradient_attack", [](const py::object& f, const Tensor& x, const Tensor& y, double k, const std::string& norm,
                              const py::object& clamp, bool targeted) {
    return adversarial::gradient_attack(classifier(f), x, y, k, attack_options(0, norm, clamp, targeted, 1, 0, false, nullptr));
  });
  a.def("attack", [](const std::string& method, const py::object& f, const Tensor& x, const Tensor& y, double eps,
                     const std::string& norm, const py::object& clamp, bool targeted, int64_t steps, double step_size,
                     bool random_start, Generator* gen) {
    return adversarial::attack(method, classifier(f), x, y,
                               attack_options(eps, norm, clamp, targeted, steps, step_size, random_start, gen));
  });
  a.def("minimal_perturbation", [](const std::string& method, const py::object& f, const Tensor& x, const Tensor& y,
                                   double eps_max, int64_t iterations, const std::string& norm, const py::object& clamp,
                                   bool targeted, int64_t steps, Generator* gen) {
    auto r = adversarial::minimal_perturbation(method, classifier(f), x, y, eps_max, iterations,
                                               attack_options(eps_max, norm, clamp, targeted, steps, 0, true, gen));
    return py::make_tuple(r.eps, r.adversarial);
  });
  a.def("defence_loss", [](const py::object& f, const Tensor& x, const Tensor& y, const std::string& method, double eps,
                           const std::string& norm, const py::object& clamp, int64_t steps, double step_size,
                           double beta, double mix, Generator* gen) {
    adversarial::DefenceOptions o;
    o.method = method;
    o.attack = attack_options(eps, norm, clamp, false, steps, step_size, true, gen);
    o.beta = beta;
    o.mix = mix;
    auto r = adversarial::defence_loss(classifier(f), x, y, o);
    return py::make_tuple(r.loss, r.clean_logits);
  });
}

}  // namespace cajal::python
