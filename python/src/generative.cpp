// cajal.generative's C++ half (_cajal._generative): the DDPM schedule's closed forms, the VAE's
// Gaussian KL and reparameterisation, the generative models' methods on modules built by
// cajal.models.build, and sampling from checkpoints through the sampler registry.
#include "bindings.h"
#include "cajal/models/generative/ddpm.h"
#include "cajal/models/generative/diffusion.h"
#include "cajal/models/generative/gan.h"
#include "cajal/models/generative/pictures.h"
#include "cajal/models/generative/vae.h"
#include "cajal/models/sampler.h"

namespace cajal::python {

namespace {

namespace gen = models::generative;
using ModulePtr = std::shared_ptr<nn::Module>;

Generator* generator_of(const py::handle& g) { return g.is_none() ? nullptr : py::cast<Generator*>(g); }

template <class M>
M& as(const ModulePtr& m, const char* expected) {
  CAJAL_CHECK_TYPE(m != nullptr, "generative", "expected a {} model, got None", expected);
  return gen::model_as<M>(*m, "generative", expected);
}

}  // namespace

void init_generative(py::module_& m) {
  py::module_ g = m.def_submodule("_generative", "generative models: DDPM schedules, VAE, DCGAN, samplers");
  g.def("linear_betas", &gen::linear_betas, py::arg("steps"), py::arg("beta_first") = 1e-4, py::arg("beta_last") = 0.02);
  g.def("cosine_betas", &gen::cosine_betas, py::arg("steps"), py::arg("s") = 0.008, py::arg("max_beta") = 0.999);

  py::class_<gen::DiffusionSchedule>(g, "DiffusionSchedule")
      .def(py::init<std::vector<double>>(), py::arg("betas"))
      .def_static("make", &gen::DiffusionSchedule::make, py::arg("kind"), py::arg("steps"), py::arg("beta_first") = 1e-4,
                  py::arg("beta_last") = 0.02)
      .def_property_readonly("steps", &gen::DiffusionSchedule::steps)
      .def("beta", &gen::DiffusionSchedule::beta, py::arg("t"))
      .def("alpha", &gen::DiffusionSchedule::alpha, py::arg("t"))
      .def("alpha_bar", &gen::DiffusionSchedule::alpha_bar, py::arg("t"))
      .def("posterior_variance", &gen::DiffusionSchedule::posterior_variance, py::arg("t"))
      .def("reverse_std", [](const gen::DiffusionSchedule& s, int64_t t, const std::string& sigma) {
        return s.reverse_std(t, gen::parse_reverse_variance(sigma));
      }, py::arg("t"), py::arg("sigma") = "beta")
      .def("q_sample", &gen::DiffusionSchedule::q_sample, py::arg("x0"), py::arg("t"), py::arg("eps"))
      .def("posterior_mean", &gen::DiffusionSchedule::posterior_mean, py::arg("x0"), py::arg("xt"), py::arg("t"))
      .def("mean_from_noise", &gen::DiffusionSchedule::mean_from_noise, py::arg("xt"), py::arg("eps_hat"), py::arg("t"));

  g.def("gaussian_kl", &gen::gaussian_kl, py::arg("mu"), py::arg("logvar"));
  g.def("reparameterize", [](const Tensor& mu, const Tensor& logvar, py::object gn) {
    return gen::reparameterize(mu, logvar, generator_of(gn));
  }, py::arg("mu"), py::arg("logvar"), py::arg("generator") = py::none());

  g.def("vae_encode", [](const ModulePtr& m, const Tensor& x) { return as<gen::Vae>(m, "Vae").encode(x); });
  g.def("vae_decode", [](const ModulePtr& m, const Tensor& z) { return as<gen::Vae>(m, "Vae").decode(z); });
  g.def("vae_terms", [](const ModulePtr& m, const Tensor& x, py::object gn) {
    gen::VaeTerms t = as<gen::Vae>(m, "Vae").terms(x, generator_of(gn));
    return py::make_tuple(t.reconstruction, t.kl, t.mean);
  });
  g.def("gan_generate", [](const ModulePtr& m, const Tensor& z) { return as<gen::Dcgan>(m, "Dcgan").generate(z); });
  g.def("gan_discriminate", [](const ModulePtr& m, const Tensor& x) { return as<gen::Dcgan>(m, "Dcgan").discriminate(x); });
  g.def("ddpm_loss", [](const ModulePtr& m, const Tensor& x0, py::object gn) {
    return as<gen::Ddpm>(m, "Ddpm").loss(x0, generator_of(gn));
  });
  g.def("ddpm_predict_noise", [](const ModulePtr& m, const Tensor& xt, const Tensor& t) {
    return as<gen::Ddpm>(m, "Ddpm").predict_noise(xt, t);
  });
  g.def("ddpm_schedule", [](const ModulePtr& m) { return as<gen::Ddpm>(m, "Ddpm").schedule(); });

  g.def("sampler_kinds", [] {
    std::vector<std::string> kinds;
    for (const auto& s : models::sampler_registry()) kinds.push_back(s.kind);
    return kinds;
  });
  g.def("sample_model", [](const std::string& kind, const ModulePtr& m, int64_t n, uint64_t seed, py::object options) {
    CAJAL_CHECK_TYPE(m != nullptr, "sample", "expected a model, got None");
    models::SampleRequest req{n, seed, options.is_none() ? nlohmann::json::object() : py_to_json(options)};
    py::gil_scoped_release release;
    return models::sample_model(kind, *m, req);
  }, py::arg("kind"), py::arg("model"), py::arg("n") = 64, py::arg("seed") = 0, py::arg("options") = py::none());
  g.def("sample_checkpoint", [](const std::string& path, int64_t n, uint64_t seed, py::object options) {
    models::SampleRequest req{n, seed, options.is_none() ? nlohmann::json::object() : py_to_json(options)};
    models::Samples s;
    {
      py::gil_scoped_release release;
      s = models::sample_checkpoint(path, req);
    }
    return py::make_tuple(s.images, s.model, s.kind);
  }, py::arg("path"), py::arg("n") = 64, py::arg("seed") = 0, py::arg("options") = py::none());
}

}  // namespace cajal::python
