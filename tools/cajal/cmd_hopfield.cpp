// `cajal hopfield capacity|recall`: the Hopfield network of the notes' section 16.
//   capacity  recall versus the load M/N of random patterns (asynchronous updates from cues with a
//             few flipped bits): the table, hopfield_capacity.csv and .png, and where recall breaks
//             down against the theoretical 0.138 N.
//   recall    stores binarised Fashion-MNIST images (one per class named) as +-1 patterns, corrupts
//             them and writes the recall steps as an image grid (one row per pattern: the stored
//             image, the cue, then the state after each step), with the energy after each step.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cajal/core/error.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/io/png.h"
#include "cajal/models/energy/hopfield.h"
#include "cajal/neuro/plot.h"
#include "cajal/ops/ops.h"
#include "cajal/tools_registry.h"

namespace {

using namespace cajal;
using namespace cajal::models::energy;
namespace fs = std::filesystem;

std::string out_path(const std::string& dir, const std::string& name) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  CAJAL_CHECK(!ec && fs::is_directory(dir), "hopfield", "cannot create the output directory '{}'", dir);
  return (fs::path(dir) / name).string();
}

void add_capacity(CLI::App& parent) {
  auto* cmd = parent.add_subcommand("capacity", "Recall of random patterns versus the load M/N: the breakdown near 0.14 N");
  auto o = std::make_shared<CapacityOptions>();
  auto out = std::make_shared<std::string>(".");
  cmd->add_option("--units", o->units, "Units N")->capture_default_str();
  cmd->add_option("--trials", o->trials, "Networks per load")->capture_default_str();
  cmd->add_option("--flip", o->flip_fraction, "Share of each cue's bits flipped")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of patterns, cues and update orders")->capture_default_str();
  cmd->add_option("--loads", o->loads, "Loads M/N to measure")->capture_default_str();
  cmd->add_option("--out", *out, "Directory for hopfield_capacity.csv and .png")->capture_default_str();
  cmd->callback([o, out] {
    std::vector<CapacityPoint> pts = hopfield_capacity(*o);
    std::cout << fmt::format("hopfield capacity: N = {}, {} networks per load, cues with {:.0f}% of bits flipped, "
                             "asynchronous updates\n",
                             o->units, o->trials, 100 * o->flip_fraction);
    std::cout << fmt::format("{:>7} {:>5} {:>10} {:>13} {:>12}\n", "M/N", "M", "recalled", "mean overlap",
                             "stable bits");
    std::vector<double> load, recalled, overlap, stable;
    for (const auto& p : pts) {
      std::cout << fmt::format("{:>7.3f} {:>5} {:>9.1f}% {:>13.3f} {:>11.2f}%\n", p.load, p.patterns, 100 * p.recalled,
                               p.mean_overlap, 100 * p.stable_bits);
      load.push_back(p.load), recalled.push_back(p.recalled), overlap.push_back(p.mean_overlap),
          stable.push_back(p.stable_bits);
    }
    // The breakdown: the first load at which fewer than half of the cues are recalled.
    for (size_t i = 0; i < pts.size(); ++i)
      if (pts[i].recalled < 0.5) {
        std::cout << fmt::format("breakdown: recall falls below 50% between M/N = {:.3f} and {:.3f} (theory: 0.138)\n",
                                 i ? pts[i - 1].load : 0.0, pts[i].load);
        break;
      }
    std::string csv = out_path(*out, "hopfield_capacity.csv");
    neuro::write_csv(csv, {"load", "recalled", "mean_overlap", "stable_bits"}, {load, recalled, overlap, stable});
    std::cout << "wrote " << csv << "\n";
    neuro::PlotPanel panel;
    panel.title = fmt::format("Hopfield recall versus load, N = {} (theory: breakdown at 0.138)", o->units);
    panel.xlabel = "load M/N", panel.ylabel = "share";
    panel.lines = {{"recalled (overlap >= 0.95)", load, recalled}, {"mean overlap", load, overlap},
                   {"theory 0.138", {0.138, 0.138}, {0.0, 1.0}}};
    panel.ymin = 0, panel.ymax = 1.05;
    std::string png = out_path(*out, "hopfield_capacity.png"), why;
    if (neuro::plot_figure(png, {panel}, &why))
      std::cout << "wrote " << png << "\n";
    else
      std::cout << "no plot " << png << ": " << why << "\n";
  });
}

void add_recall(CLI::App& parent) {
  auto* cmd = parent.add_subcommand("recall", "Recall of corrupted Fashion-MNIST images: the steps as an image grid");
  struct Args {
    std::vector<int64_t> classes{1, 5, 8};
    double flip = 0.3, threshold = 0.3;
    int64_t steps = 5;
    std::string update = "async", out = ".";
    uint64_t seed = 0;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--classes", a->classes, "Fashion-MNIST classes stored (the first test image of each)")->capture_default_str();
  cmd->add_option("--flip", a->flip, "Share of each cue's pixels flipped")->capture_default_str();
  cmd->add_option("--threshold", a->threshold, "Pixels above it are +1, the rest -1")->capture_default_str();
  cmd->add_option("--steps", a->steps, "Update steps (sweeps) shown")->capture_default_str();
  cmd->add_option("--update", a->update, "async | sync")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the corruption and the update order")->capture_default_str();
  cmd->add_option("--out", a->out, "Directory for hopfield_recall.png")->capture_default_str();
  cmd->callback([a] {
    CAJAL_CHECK(a->update == "async" || a->update == "sync", "hopfield", "update must be 'async' or 'sync', got '{}'",
                a->update);
    CAJAL_CHECK(!a->classes.empty() && a->steps >= 1, "hopfield", "expected some classes and steps >= 1");
    data::TensorDataset test = data::load_fashion_mnist(data::Split::Test, {.flatten = true});
    std::vector<int64_t> labels = test.targets().to_vector<int64_t>(), rows;
    for (int64_t c : a->classes) {
      CAJAL_CHECK(c >= 0 && c < 10, "hopfield", "expected Fashion-MNIST classes in [0, 10), got {}", c);
      for (size_t i = 0; i < labels.size(); ++i)
        if (labels[i] == c) {
          rows.push_back(int64_t(i));
          break;
        }
    }
    Tensor images = data::gather_rows(test.inputs(), rows);
    Tensor patterns = sub(mul(gt(images, a->threshold).to(DType::f32), 2.0), 1.0);
    HopfieldNetwork net(patterns);
    Generator gen(a->seed);
    Tensor cue = corrupt_bipolar(patterns, a->flip, &gen);
    HopfieldRecall r = net.recall(cue, a->update == "sync" ? HopfieldUpdate::Sync : HopfieldUpdate::Async, a->steps, &gen);
    const int64_t M = patterns.size(0), cols = int64_t(r.steps.size()) + 1;
    std::vector<Tensor> tiles{patterns};
    for (const Tensor& s : r.steps) tiles.push_back(s);
    // [cols, M, 784] -> rows are patterns, columns are stored, cue, step 1, ...
    Tensor grid = stack(tiles, 1).reshape({M * cols, 1, 28, 28});
    std::string png = out_path(a->out, "hopfield_recall.png");
    io::write_png(png, io::image_grid(div(add(grid, 1.0), 2.0), cols));
    std::vector<double> overlap = (sum(mul(r.state, patterns), {1}) / double(patterns.size(1))).to_vector<double>();
    std::cout << fmt::format("hopfield recall: {} Fashion-MNIST images as {}-unit patterns, {:.0f}% of each cue flipped, "
                             "{} updates: {} steps{}\n",
                             M, patterns.size(1), 100 * a->flip, a->update, r.iterations,
                             r.converged ? " (converged)" : "");
    std::string e, ov;
    for (double x : r.energies) e += fmt::format("{}{:.1f}", e.empty() ? "" : ", ", x);
    for (double x : overlap) ov += fmt::format("{}{:.3f}", ov.empty() ? "" : ", ", x);
    std::cout << "energy of the first pattern's state per step: " << e << "\n";
    std::cout << "final overlap with each stored pattern: " << ov << "\n";
    std::cout << "wrote " << png << "\n";
  });
}

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("hopfield", "Hopfield networks: capacity versus load, recall of corrupted images");
  cmd->require_subcommand(1);
  add_capacity(*cmd);
  add_recall(*cmd);
});

}  // namespace
