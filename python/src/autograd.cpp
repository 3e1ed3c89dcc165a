// Autograd from Python: grad mode (no_grad is built on _set_grad_enabled), graph nodes (grad_fn),
// autograd.grad / backward with the GIL released, gradcheck and jacobian over Python callables.
// Convention: a Python function handed to C++ (gradcheck, jacobian) is called with the GIL held;
// the backward passes release it, and hooks take it back (see tensor.cpp).
#include "bindings.h"

namespace cajal::python {

namespace {

std::vector<Tensor> tensors_of(const py::handle& obj, const char* op) {
  std::vector<Tensor> out;
  if (py::isinstance<Tensor>(obj)) {
    out.push_back(py::cast<Tensor>(obj));
    return out;
  }
  CAJAL_CHECK_TYPE(py::isinstance<py::sequence>(obj), op, "expected a Tensor or a sequence of tensors");
  for (py::handle h : py::reinterpret_borrow<py::sequence>(obj)) {
    if (h.is_none()) {
      out.emplace_back();
      continue;
    }
    CAJAL_CHECK_TYPE(py::isinstance<Tensor>(h), op, "expected tensors, got an element of type {}",
                     std::string(py::str(h.get_type().attr("__name__"))));
    out.push_back(py::cast<Tensor>(h));
  }
  return out;
}

// The value of a Python function as one tensor: a tuple/list of outputs is flattened and
// concatenated (what gradcheck compares element by element).
Tensor as_single_output(const py::object& r, const char* op) {
  if (py::isinstance<Tensor>(r)) return py::cast<Tensor>(r);
  std::vector<Tensor> parts;
  for (const Tensor& t : tensors_of(r, op))
    if (t.defined()) parts.push_back(t.reshape({-1}));
  CAJAL_CHECK(!parts.empty(), op, "the function returned no tensor");
  return parts.size() == 1 ? parts[0] : cat(parts, 0);
}

}  // namespace

void init_autograd(py::module_& m) {
  m.def("is_grad_enabled", &GradMode::is_enabled);
  m.def("_set_grad_enabled", &GradMode::set_enabled, py::arg("mode"));

  py::module_ ag = m.def_submodule("_autograd", "torch.autograd's functions");
  py::class_<autograd::Node, std::shared_ptr<autograd::Node>>(ag, "Node", "A recorded op of the autograd graph.")
      .def("name", [](const autograd::Node& n) { return std::string(n.name); })
      .def("__repr__", [](const autograd::Node& n) { return "<" + std::string(n.name) + ">"; })
      .def_property_readonly("next_functions", [](const autograd::Node& n) {
        py::tuple t(n.next.size());
        for (size_t i = 0; i < n.next.size(); ++i)
          t[i] = py::make_tuple(n.next[i].fn ? py::cast(n.next[i].fn) : py::none(), n.next[i].input_nr);
        return t;
      });

  ag.def("backward", [](py::object tensors, py::object grad_tensors, py::object retain_graph, bool create_graph) {
    std::vector<Tensor> roots = tensors_of(tensors, "backward");
    std::vector<Tensor> grads = grad_tensors.is_none() ? std::vector<Tensor>(roots.size()) : tensors_of(grad_tensors, "backward");
    const bool retain = retain_graph.is_none() ? create_graph : py::cast<bool>(retain_graph);
    py::gil_scoped_release release;
    autograd::backward(roots, grads, retain, create_graph);
  }, py::arg("tensors"), py::arg("grad_tensors") = py::none(), py::arg("retain_graph") = py::none(),
     py::arg("create_graph") = false);

  ag.def("grad", [](py::object outputs, py::object inputs, py::object grad_outputs, py::object retain_graph,
                    bool create_graph, bool allow_unused) {
    std::vector<Tensor> outs = tensors_of(outputs, "grad");
    std::vector<Tensor> ins = tensors_of(inputs, "grad");
    std::vector<Tensor> gouts = grad_outputs.is_none() ? std::vector<Tensor>() : tensors_of(grad_outputs, "grad");
    const bool retain = retain_graph.is_none() ? create_graph : py::cast<bool>(retain_graph);
    std::vector<Tensor> grads;
    {
      py::gil_scoped_release release;
      grads = autograd::grad(outs, ins, gouts, retain, create_graph, allow_unused);
    }
    py::tuple r(grads.size());
    for (size_t i = 0; i < grads.size(); ++i) r[i] = opt_tensor(grads[i]);
    return r;
  }, py::arg("outputs"), py::arg("inputs"), py::arg("grad_outputs") = py::none(), py::arg("retain_graph") = py::none(),
     py::arg("create_graph") = false, py::arg("allow_unused") = false);

  ag.def("gradcheck", [](py::function fn, py::object inputs, double eps, double atol, double rtol, bool raise_exception) {
    std::vector<Tensor> xs = tensors_of(inputs, "gradcheck");
    auto f = [&fn](const std::vector<Tensor>& args) {
      py::tuple t(args.size());
      for (size_t i = 0; i < args.size(); ++i) t[i] = py::cast(args[i]);
      return as_single_output(fn(*t), "gradcheck");
    };
    autograd::GradcheckResult r = autograd::gradcheck(f, xs, eps, atol, rtol);
    CAJAL_CHECK_KIND(r.ok || !raise_exception, Runtime, "gradcheck", "Jacobian mismatch: {} (max abs error {})",
                     r.message, r.max_abs_error);
    return r.ok;
  }, py::arg("func"), py::arg("inputs"), py::kw_only(), py::arg("eps") = 1e-6, py::arg("atol") = 1e-5,
     py::arg("rtol") = 1e-3, py::arg("raise_exception") = true,
     "Compares backward with float64 central differences; inputs that require grad are checked.");

  ag.def("_jacobian", [](py::function fn, const Tensor& x) {
    return autograd::jacobian([&fn](const Tensor& t) { return as_single_output(fn(t), "jacobian"); }, x);
  }, py::arg("func"), py::arg("input"), "d fn(x) / d x as a (numel(out), numel(x)) matrix.");
}

}  // namespace cajal::python
