// The universal approximation demonstration (demo_universal_approximation.h).
#include "demo_universal_approximation.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "cajal/examples/universal_approximation.h"
#include "cajal/ops/ops.h"
#include "cajal/train/plot.h"

namespace cajal::cli {

int run_universal_approximation(const std::string& out_dir) {
  namespace ua = cajal::examples::ua;
  using std::numbers::pi;
  // f(x) = sin(2 pi x) + x / 2: Lipschitz constant 2 pi + 1/2, |f| <= 1.5.
  auto f = [](double x) { return std::sin(2 * pi * x) + 0.5 * x; };
  const double L = 2 * pi + 0.5, M = 1.5;
  fmt::print("f(x) = sin(2 pi x) + x/2 on [0, 1] (L = {:.4f}, |f| <= {}); G = sum_j f(a_j) P(x; b_j, delta), "
             "delta = 1/(N-1),\nas Linear(1, 2N) -> Sigmoid -> Linear(2N, 1) with computed weights; steepness w "
             "chosen for eps = L delta (twice the staircase's own error)\n\n",
             L, M);
  fmt::print("{:>6} {:>10} {:>12} {:>14} {:>14} {:>6}\n", "N", "delta", "steepness w", "sup |G - f|", "bound", "holds");
  std::filesystem::create_directories(out_dir.empty() ? "." : out_dir);
  const std::string dir = out_dir.empty() ? "." : out_dir;
  std::ofstream csv(dir + "/universal_approximation.csv");
  csv << "N,delta,w,sup_error,bound\n";
  int status = 0;
  train::Panel fit{.metric = "f(x) and G(x)", .curves = {}, .falling = true, .xlabel = "x"};
  train::Panel errors{.metric = "log10 sup error", .curves = {{"measured", {}, {}}, {"bound", {}, {}}},
                      .falling = true, .xlabel = "log2 N"};
  {
    train::Curve fc{"f", {}, {}};
    for (int i = 0; i <= 400; ++i) {
      fc.x.push_back(i / 400.0);
      fc.y.push_back(f(i / 400.0));
    }
    fit.curves.push_back(fc);
  }
  for (int64_t N = 4; N <= 1024; N *= 2) {
    const double delta = 1.0 / double(N - 1);
    const double w = ua::steepness_for(L * delta, L, M, N);
    auto net = ua::bump_network(f, N, w);
    const double err = ua::sup_error(*net, f), bound = ua::error_bound(L, M, N, w);
    const bool holds = err <= bound;
    status |= !holds;
    fmt::print("{:>6} {:>10.6f} {:>12.1f} {:>14.6f} {:>14.6f} {:>6}\n", N, delta, w, err, bound, holds ? "yes" : "NO");
    csv << fmt::format("{},{},{},{},{}\n", N, delta, w, err, bound);
    errors.curves[0].x.push_back(std::log2(double(N)));
    errors.curves[0].y.push_back(std::log10(err));
    errors.curves[1].x.push_back(std::log2(double(N)));
    errors.curves[1].y.push_back(std::log10(bound));
    if (N <= 16) {
      NoGradGuard ng;
      train::Curve gc{fmt::format("G, N = {}", N), {}, {}};
      std::vector<double> xs;
      for (int i = 0; i <= 400; ++i) xs.push_back(i / 400.0);
      gc.x = xs;
      gc.y = net->forward(from_vector(xs, {401, 1}, DType::f64)).to_vector<double>();
      fit.curves.push_back(gc);
    }
  }
  // For a given eps: bumps with a staircase error L delta / 2 of eps / 2, and the steepness they
  // then need for the rest.
  for (double eps : {0.1, 0.01}) {
    const int64_t N = int64_t(std::ceil(L / eps)) + 1;
    const double w = ua::steepness_for(eps, L, M, N);
    auto net = ua::bump_network(f, N, w);
    fmt::print("eps = {}: N = {} bumps need steepness w = {:.0f}; measured sup error {:.6f}\n", eps, N, w,
               ua::sup_error(*net, f));
  }

  // 2-D: f(x, y) = sin(2 pi x) cos(2 pi y) with towers of two hidden layers.
  auto f2 = [](double x, double y) { return std::sin(2 * pi * x) * std::cos(2 * pi * y); };
  fmt::print("\n2-D: f(x, y) = sin(2 pi x) cos(2 pi y) on [0, 1]^2, towers sigmoid(w2 (P_j(x) + P_k(y) - 1.5)), "
             "w = 20 / delta, w2 = 20;\nthe mean error falls with N, the sup stays near |f| at the bins' corners, where no "
             "tower fires\n");
  fmt::print("{:>6} {:>14} {:>14} {:>14}\n", "N", "hidden units", "mean |G - f|", "sup |G - f|");
  for (int64_t N = 4; N <= 32; N *= 2) {
    const double delta = 1.0 / double(N - 1);
    auto net = ua::tower_network(f2, N, 20 / delta, 20);
    const ua::Errors2d e = ua::errors_2d(*net, f2, 101);
    fmt::print("{:>6} {:>14} {:>14.6f} {:>14.6f}\n", N, fmt::format("{} + {}", 4 * N, N * N), e.mean, e.sup);
  }
  std::string why;
  const std::string png = dir + "/universal_approximation.png";
  if (train::plot_panels(png, "universal approximation", {fit, errors}, &why))
    fmt::print("\nplot {}, table {}/universal_approximation.csv\n", png, dir);
  else
    fmt::print("\nno plot ({}); table {}/universal_approximation.csv\n", why, dir);
  return status;
}

}  // namespace cajal::cli
