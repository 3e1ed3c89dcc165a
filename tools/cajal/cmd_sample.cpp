// `cajal sample CKPT [--n 64] [--out grid.png] [--seed S] [--cols C] [--sigma beta|beta_tilde] [--clip yes|no]
//  [--gibbs-steps K]`:
// images drawn from a generative model's checkpoint (cajal/models/sampler.h: the sampler of the
// checkpoint's model kind), tiled into one PNG.
#include <fmt/format.h>

#include <cmath>

#include "cli_options.h"
#include "cajal/io/png.h"
#include "cajal/models/sampler.h"
#include "cajal/tools_registry.h"

namespace {

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("sample", "Draw images from a generative model's checkpoint (vae, gan, ddpm, rbm) into a "
                                           "PNG grid");
  auto ckpt = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>("samples.png");
  auto n = std::make_shared<int64_t>(64);
  auto cols = std::make_shared<int64_t>(0);
  auto seed = std::make_shared<uint64_t>(0);
  auto sigma = std::make_shared<std::string>();
  auto clip = std::make_shared<std::string>();
  auto gibbs_steps = std::make_shared<int64_t>(0);
  auto threads = std::make_shared<int>(0);
  cmd->add_option("checkpoint", *ckpt, "A checkpoint written by cajal train for a generative model")->required();
  cmd->add_option("--n", *n, "Number of images (default 64)");
  cmd->add_option("--out", *out, "PNG file to write (default samples.png)");
  cmd->add_option("--cols", *cols, "Images per row (default: the square root of n, rounded up)");
  cmd->add_option("--seed", *seed, "Seed of the sampling noise (default 0)");
  cmd->add_option("--sigma", *sigma, "ddpm: the reverse variance sigma_t^2, beta or beta_tilde (default: the model's)");
  cmd->add_option("--clip", *clip, "ddpm: clip each step's x_0 estimate to [-1, 1], yes or no (default: the model's)")
      ->check(CLI::IsMember({"yes", "no"}));
  cmd->add_option("--gibbs-steps", *gibbs_steps, "rbm: Gibbs alternations per chain (default 1000)");
  cajal::cli::add_threads_option(cmd, threads);
  cmd->callback([=] {
    cajal::cli::apply_threads(*threads);
    cajal::models::SampleRequest req;
    req.n = *n;
    req.seed = *seed;
    if (!sigma->empty()) req.options["sigma"] = *sigma;
    if (!clip->empty()) req.options["clip"] = *clip == "yes";
    if (*gibbs_steps != 0) req.options["gibbs_steps"] = *gibbs_steps;
    auto s = cajal::models::sample_checkpoint(*ckpt, req);
    const int64_t c = *cols > 0 ? *cols : int64_t(std::ceil(std::sqrt(double(*n))));
    cajal::io::write_png(*out, cajal::io::image_grid(s.images, c));
    fmt::print("{} images from {} ({}, {} sampler) -> {}\n", *n, *ckpt, s.model, s.kind, *out);
  });
});

}  // namespace
