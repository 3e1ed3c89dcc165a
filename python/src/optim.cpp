// Optimizers, LR schedules and gradient clipping for Python, in the submodule _cajal._optim
// (cajal/optim/__init__.py gives them torch.optim's constructors and state_dict format).
//
// Convention: hyper-parameters cross the boundary as dicts, converted through the options
// structs' JSON form — defaults first, then the caller's keys — so every optimizer's binding is
// the same template. step() releases the GIL (fused C++ loops over every parameter).
#include "bindings.h"

#include "cajal/optim/adagrad.h"
#include "cajal/optim/adam.h"
#include "cajal/optim/clip.h"
#include "cajal/optim/rmsprop.h"
#include "cajal/optim/schedule.h"
#include "cajal/optim/sgd.h"

namespace cajal::python {

namespace {

template <class Options>
Options options_from(const py::handle& d, const char* op) {
  nlohmann::json j = Options{};
  nlohmann::json given = py_to_json(d);
  for (auto it = given.begin(); it != given.end(); ++it) {
    CAJAL_CHECK_TYPE(j.contains(it.key()), op, "unexpected option '{}' (valid options: {})", it.key(), [&] {
      std::string names;
      for (auto k = j.begin(); k != j.end(); ++k) names += (names.empty() ? "" : ", ") + k.key();
      return names;
    }());
    j[it.key()] = it.value();
  }
  return j.get<Options>();
}

std::vector<Tensor> params_from(const py::handle& seq, const char* op) {
  std::vector<Tensor> out;
  for (py::handle h : py::reinterpret_borrow<py::iterable>(seq)) {
    CAJAL_CHECK_TYPE(py::isinstance<Tensor>(h), op, "optimizer can only optimize Tensors, got an element of type {}",
                     std::string(py::str(h.get_type().attr("__name__"))));
    out.push_back(py::cast<Tensor>(h));
  }
  return out;
}

// Opt(groups) where groups is a list of (params, options dict).
template <class Opt, class Options>
void bind_optimizer(py::module_& m, const char* name) {
  py::class_<Opt, optim::Optimizer>(m, name)
      .def(py::init([name](const py::list& groups) {
             std::vector<optim::ParamGroup<Options>> gs;
             for (py::handle g : groups) {
               auto pair = py::reinterpret_borrow<py::tuple>(g);
               gs.push_back({params_from(pair[0], name), options_from<Options>(pair[1], name)});
             }
             return std::make_unique<Opt>(gs);
           }),
           py::arg("groups"))
      .def("group_options", [](const Opt& o, size_t g) { return json_to_py(nlohmann::json(o.options(g))); },
           py::arg("group"))
      .def("set_group_option", [name](Opt& o, size_t g, const std::string& key, py::object value) {
        nlohmann::json j = o.options(g);
        CAJAL_CHECK(j.contains(key), name, "unknown option '{}'", key);
        j[key] = py_to_json(value);
        Options parsed = j.get<Options>();
        const double lr = parsed.lr;
        o.options(g) = parsed;
        o.set_lr(g, lr);  // validates
      }, py::arg("group"), py::arg("key"), py::arg("value"))
      .def("add_param_group", [name](Opt& o, py::object params, py::object options) {
        o.add_param_group({params_from(params, name), options_from<Options>(options, name)});
      }, py::arg("params"), py::arg("options"))
      .def_static("defaults", [] { return json_to_py(nlohmann::json(Options{})); });
}

// The C++ schedulers keep a reference to their optimizer: keep_alive ties the lifetimes.
template <class S, class... Args>
void bind_scheduler(py::module_& m, const char* name, Args&&... args) {
  py::class_<S, optim::LRScheduler>(m, name).def(std::forward<Args>(args)...);
}

}  // namespace

void init_optim(py::module_& m) {
  py::module_ om = m.def_submodule("_optim", "cajal's optimizers and schedules (wrapped by cajal.optim)");

  py::class_<optim::Optimizer>(om, "Optimizer")
      .def("step", [](optim::Optimizer& o) {
        py::gil_scoped_release release;
        o.step();
      })
      .def("zero_grad", &optim::Optimizer::zero_grad)
      .def("name", &optim::Optimizer::name)
      .def("num_param_groups", &optim::Optimizer::num_param_groups)
      .def("params", [](const optim::Optimizer& o, size_t g) {
        auto ps = o.params(g);
        return std::vector<Tensor>(ps.begin(), ps.end());
      }, py::arg("group"))
      .def("lr", &optim::Optimizer::lr, py::arg("group"))
      .def("set_lr", &optim::Optimizer::set_lr, py::arg("group"), py::arg("lr"))
      .def("step_count", &optim::Optimizer::step_count, py::arg("param_index"))
      .def("state_buffer", [](const optim::Optimizer& o, size_t i, const std::string& b) {
        return opt_tensor(o.state_buffer(i, b));
      }, py::arg("param_index"), py::arg("buffer"))
      .def("buffer_names", [](const optim::Optimizer& o) {
        auto names = o.buffer_names();
        return std::vector<std::string>(names.begin(), names.end());
      })
      .def("state_dict", [](const optim::Optimizer& o) {
        StateBundle b = o.state_dict();
        return py::make_tuple(state_dict_to_py(b.tensors), json_to_py(b.meta));
      }, "(tensors, meta): cajal's checkpoint form (see cajal/optim/optimizer.h).")
      .def("load_state_dict", [](optim::Optimizer& o, py::object tensors, py::object meta) {
        StateBundle b{state_dict_from_py(tensors, "load_state_dict"), py_to_json(meta)};
        o.load_state_dict(b);
      }, py::arg("tensors"), py::arg("meta"));

  bind_optimizer<optim::SGD, optim::SGDOptions>(om, "SGD");
  bind_optimizer<optim::Adam, optim::AdamOptions>(om, "Adam");
  bind_optimizer<optim::AdamW, optim::AdamWOptions>(om, "AdamW");
  bind_optimizer<optim::Adagrad, optim::AdagradOptions>(om, "Adagrad");
  bind_optimizer<optim::RMSprop, optim::RMSpropOptions>(om, "RMSprop");

  // ---- LR schedules
  py::class_<optim::LRScheduler>(om, "LRScheduler")
      .def("step", &optim::LRScheduler::step)
      .def("get_last_lr", &optim::LRScheduler::get_last_lr)
      .def("lr_at", &optim::LRScheduler::lr_at, py::arg("t"), py::arg("base_lr"))
      .def_property_readonly("base_lrs", &optim::LRScheduler::base_lrs)
      .def_property_readonly("last_epoch", &optim::LRScheduler::last_epoch)
      .def("name", &optim::LRScheduler::name)
      .def("state_dict", [](const optim::LRScheduler& s) { return json_to_py(s.state_dict().meta); })
      .def("load_state_dict", [](optim::LRScheduler& s, py::object meta) {
        StateBundle b;
        b.meta = py_to_json(meta);
        s.load_state_dict(b);
      }, py::arg("state_dict"));
  bind_scheduler<optim::StepLR>(om, "StepLR", py::init<optim::Optimizer&, int64_t, double>(), py::arg("optimizer"),
                                py::arg("step_size"), py::arg("gamma") = 0.1, py::keep_alive<1, 2>());
  bind_scheduler<optim::ExponentialLR>(om, "ExponentialLR", py::init<optim::Optimizer&, double>(), py::arg("optimizer"),
                                       py::arg("gamma"), py::keep_alive<1, 2>());
  bind_scheduler<optim::CosineAnnealingLR>(om, "CosineAnnealingLR", py::init<optim::Optimizer&, int64_t, double>(),
                                           py::arg("optimizer"), py::arg("T_max"), py::arg("eta_min") = 0.0,
                                           py::keep_alive<1, 2>());
  bind_scheduler<optim::LinearWarmup>(om, "LinearWarmup", py::init<optim::Optimizer&, int64_t, double, double>(),
                                      py::arg("optimizer"), py::arg("warmup_steps"), py::arg("start_factor") = 1.0 / 3.0,
                                      py::arg("end_factor") = 1.0, py::keep_alive<1, 2>());
  bind_scheduler<optim::LinearDecayLR>(om, "LinearDecayLR", py::init<optim::Optimizer&, int64_t, double>(),
                                       py::arg("optimizer"), py::arg("total_steps"), py::arg("final_lr"),
                                       py::keep_alive<1, 2>());

  py::class_<optim::ReduceLROnPlateau>(om, "ReduceLROnPlateau")
      .def(py::init([](optim::Optimizer& opt, py::object options) {
             return std::make_unique<optim::ReduceLROnPlateau>(
                 opt, options_from<optim::ReduceLROnPlateauOptions>(options, "ReduceLROnPlateau"));
           }),
           py::arg("optimizer"), py::arg("options"), py::keep_alive<1, 2>())
      .def("step", &optim::ReduceLROnPlateau::step, py::arg("metrics"))
      .def("get_last_lr", &optim::ReduceLROnPlateau::get_last_lr)
      .def_property_readonly("last_epoch", &optim::ReduceLROnPlateau::last_epoch)
      .def_property_readonly("best", &optim::ReduceLROnPlateau::best)
      .def_property_readonly("num_bad_epochs", &optim::ReduceLROnPlateau::num_bad_epochs)
      .def_property_readonly("cooldown_counter", &optim::ReduceLROnPlateau::cooldown_counter)
      .def("state_dict", [](const optim::ReduceLROnPlateau& s) { return json_to_py(s.state_dict().meta); })
      .def("load_state_dict", [](optim::ReduceLROnPlateau& s, py::object meta) {
        StateBundle b;
        b.meta = py_to_json(meta);
        s.load_state_dict(b);
      }, py::arg("state_dict"));

  // ---- clipping and penalties (torch.nn.utils)
  om.def("clip_grad_norm_", [](py::object params, double max_norm, double norm_type, bool error_if_nonfinite) {
    std::vector<Tensor> ps = py::isinstance<Tensor>(params) ? std::vector<Tensor>{py::cast<Tensor>(params)}
                                                            : params_from(params, "clip_grad_norm_");
    // torch returns the norm as a 0-D tensor of the gradients' dtype.
    const DType dt = ps.empty() ? DType::f32 : ps.front().dtype();
    return scalar_tensor(optim::clip_grad_norm_(ps, max_norm, norm_type, error_if_nonfinite), dt);
  }, py::arg("parameters"), py::arg("max_norm"), py::arg("norm_type") = 2.0, py::arg("error_if_nonfinite") = false);
  om.def("clip_grad_value_", [](py::object params, double clip_value) {
    std::vector<Tensor> ps = py::isinstance<Tensor>(params) ? std::vector<Tensor>{py::cast<Tensor>(params)}
                                                            : params_from(params, "clip_grad_value_");
    optim::clip_grad_value_(ps, clip_value);
  }, py::arg("parameters"), py::arg("clip_value"));
  om.def("l1_penalty", [](py::object ps) { return optim::l1_penalty(params_from(ps, "l1_penalty")); }, py::arg("parameters"));
  om.def("l2_penalty", [](py::object ps) { return optim::l2_penalty(params_from(ps, "l2_penalty")); }, py::arg("parameters"));
}

}  // namespace cajal::python
