// `cajal neuro hh|lif|tuning|decode|integrator|oscillator [--flags]`: runs one model of the neuro
// layer with the notes' defaults, prints a short summary (spikes and rates, decoding error, drift,
// period) and writes PNG plots and CSV traces into --out (default: the current directory).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"
#include "cajal/neuro/neuro.h"
#include "cajal/neuro/plot.h"
#include "cajal/tools_registry.h"

namespace {

using namespace cajal;
using namespace cajal::neuro;
namespace fs = std::filesystem;

std::string out_path(const std::string& dir, const std::string& name) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  CAJAL_CHECK(!ec && fs::is_directory(dir), "neuro", "cannot create the output directory '{}'", dir);
  return (fs::path(dir) / name).string();
}

// Writes the figure, saying where (or why not) on stdout.
void save_plot(const std::string& path, const std::vector<PlotPanel>& panels) {
  std::string why;
  if (plot_figure(path, panels, &why))
    std::cout << "wrote " << path << "\n";
  else
    std::cout << "no plot " << path << ": " << why << "\n";
}

void save_csv(const std::string& path, const std::vector<std::string>& header, const std::vector<std::vector<double>>& cols) {
  write_csv(path, header, cols);
  std::cout << "wrote " << path << "\n";
}

// The events of neurons [0, keep) only: a readable raster of a large population.
SpikeTrain first_neurons(const SpikeTrain& s, int64_t keep) {
  SpikeTrain r;
  r.num_neurons = std::min(keep, s.num_neurons), r.duration = s.duration;
  for (int64_t i = 0; i < s.size(); ++i)
    if (s.neuron[size_t(i)] < keep) r.add(s.neuron[size_t(i)], s.time[size_t(i)]);
  return r;
}

std::vector<double> column(const Tensor& t2d, int64_t c) {
  auto v = t2d.to_vector<double>();
  const int64_t k = t2d.dim() == 2 ? t2d.size(1) : 1;
  std::vector<double> r(size_t(t2d.size(0)));
  for (size_t i = 0; i < r.size(); ++i) r[i] = v[i * size_t(k) + size_t(c)];
  return r;
}

// Mean of x over the samples whose time lies in [from, to).
double window_mean(const std::vector<double>& t, const std::vector<double>& x, double from, double to) {
  double s = 0;
  int n = 0;
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i] >= from && t[i] < to) s += x[i], ++n;
  CAJAL_CHECK(n > 0, "neuro", "no samples in [{}, {})", from, to);
  return s / n;
}

PlotPanel panel(std::string title, std::string xlabel, std::string ylabel) {
  PlotPanel p;
  p.title = std::move(title), p.xlabel = std::move(xlabel), p.ylabel = std::move(ylabel);
  return p;
}

void check_positive(const char* cmd, const char* what, double v) {
  CAJAL_CHECK(std::isfinite(v) && v > 0, cmd, "expected {} > 0, got {}", what, v);
}

void add_hh(CLI::App& neuro) {
  auto* cmd = neuro.add_subcommand("hh", "Hodgkin-Huxley neuron under a step current: voltage, gates, f-I curve");
  struct Args {
    double current = 10.0, onset = 10.0, duration = 100.0, dt = 0.01;
    std::string integrator = "exp_euler", out = ".";
    bool fi = true;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--current", a->current, "Step amplitude (uA/cm^2)")->capture_default_str();
  cmd->add_option("--onset", a->onset, "Step onset (ms)")->capture_default_str();
  cmd->add_option("--duration", a->duration, "Simulated time (ms)")->capture_default_str();
  cmd->add_option("--dt", a->dt, "Time step (ms); at most 0.1 (exp_euler) or 0.05 (rk4)")->capture_default_str();
  cmd->add_option("--integrator", a->integrator, "exp_euler | rk4")->capture_default_str();
  cmd->add_option("--out", a->out, "Directory for hh.png, hh.csv, hh_fi.png, hh_fi.csv")->capture_default_str();
  cmd->add_flag("!--no-fi", a->fi, "Skip the f-I curve");
  cmd->callback([a] {
    HHOptions o;
    o.duration = a->duration, o.dt = a->dt, o.integrator = hh_integrator_from_name(a->integrator);
    HHTrace tr = simulate_hh(StepCurrent{a->current, a->onset, -1.0}, o);
    const auto& sp = tr.spike_times;
    const double rate = sp.size() >= 2 ? 1000.0 * double(sp.size() - 1) / (sp.back() - sp.front()) : 0.0;
    std::cout << fmt::format("hh: {} uA/cm^2 from {} ms, {} ms at dt {} ms ({}): {} spikes", a->current, a->onset,
                             a->duration, a->dt, hh_integrator_name(o.integrator), sp.size());
    if (!sp.empty()) std::cout << fmt::format(", first at {:.2f} ms, rate {:.1f} Hz", sp.front(), rate);
    std::cout << "\n";
    auto t = tr.t.to_vector<double>(), v = tr.v.to_vector<double>();
    auto m = tr.m.to_vector<double>(), h = tr.h.to_vector<double>(), n = tr.n.to_vector<double>();
    std::vector<double> J(t.size());
    for (size_t i = 0; i < t.size(); ++i) J[i] = StepCurrent{a->current, a->onset, -1.0}(t[i]);
    save_csv(out_path(a->out, "hh.csv"), {"t_ms", "I_uA_cm2", "V_mV", "m", "h", "n"}, {t, J, v, m, h, n});
    PlotPanel pv = panel(fmt::format("Hodgkin-Huxley, step of {} uA/cm#u2#d: {} spikes", a->current, sp.size()), "t (ms)", "V (mV)");
    pv.lines.push_back({"", t, v});
    PlotPanel pg = panel("gating variables", "t (ms)", "open fraction");
    pg.lines = {{"m", t, m}, {"h", t, h}, {"n", t, n}};
    pg.ymin = 0, pg.ymax = 1;
    save_plot(out_path(a->out, "hh.png"), {pv, pg});
    if (!a->fi) return;
    std::vector<double> currents;
    for (int k = 0; k <= 40; ++k) currents.push_back(0.5 * k);
    auto rates = hh_fi_curve(currents, 500.0, 300.0, std::min(a->dt, 0.025), o.integrator);
    size_t first = 0;
    while (first < rates.size() && rates[first] == 0) ++first;
    if (first < rates.size())
      std::cout << fmt::format("hh f-I: silent up to {} uA/cm^2, {:.1f} Hz at {} uA/cm^2, {:.1f} Hz at 20 uA/cm^2\n",
                               first ? currents[first - 1] : 0.0, rates[first], currents[first], rates.back());
    save_csv(out_path(a->out, "hh_fi.csv"), {"I_uA_cm2", "rate_Hz"}, {currents, rates});
    PlotPanel pf = panel("Hodgkin-Huxley f-I curve (steady rate, last 300 of 500 ms)", "I (uA/cm#u2#d)", "rate (Hz)");
    pf.lines.push_back({"", currents, rates});
    save_plot(out_path(a->out, "hh_fi.png"), {pf});
  });
}

void add_lif(CLI::App& neuro) {
  auto* cmd = neuro.add_subcommand("lif", "Dimensionless LIF neuron (tau_m dv/dt = v_in - v): voltage and rate curve");
  struct Args {
    double current = 1.5, tau_m = 0.02, t_ref = 0.002, duration = 0.2, dt = 1e-4;
    std::string out = ".";
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--current", a->current, "Input v_in (threshold 1)")->capture_default_str();
  cmd->add_option("--tau-m", a->tau_m, "Membrane time constant (s)")->capture_default_str();
  cmd->add_option("--t-ref", a->t_ref, "Refractory period (s)")->capture_default_str();
  cmd->add_option("--duration", a->duration, "Simulated time (s)")->capture_default_str();
  cmd->add_option("--dt", a->dt, "Time step (s); integration is exact, any dt > 0 is stable")->capture_default_str();
  cmd->add_option("--out", a->out, "Directory for lif.png and lif.csv")->capture_default_str();
  cmd->callback([a] {
    const LIFParams p = LIFParams::dimensionless(a->tau_m, a->t_ref);
    LIFTrace tr = simulate_lif(p, a->current, a->duration, a->dt);
    const double formula = lif_rate(a->current, p);
    const auto st = tr.spikes.times_of(0);
    const double measured = st.size() >= 2 ? double(st.size() - 1) / (st.back() - st.front()) : 0.0;
    std::cout << fmt::format("lif: v_in {}, tau_m {} s, t_ref {} s, {} s at dt {} s: {} spikes, ISI rate {:.2f} Hz, "
                             "formula 1/(t_ref - tau_m ln(1 - 1/v_in)) {:.2f} Hz\n",
                             a->current, a->tau_m, a->t_ref, a->duration, a->dt, st.size(), measured, formula);
    auto t = tr.t.to_vector<double>(), v = tr.v.to_vector<double>();
    save_csv(out_path(a->out, "lif.csv"), {"t_s", "v"}, {t, v});
    PlotPanel pv = panel(fmt::format("LIF, v#din#u = {}: {} spikes", a->current, st.size()), "t (s)", "v");
    pv.lines.push_back({"v", t, v});
    for (size_t i = 0; i < st.size(); ++i) pv.lines.push_back({i ? "" : "spike", {st[i], st[i]}, {1.0, 1.4}, false, 9});
    pv.lines.push_back({"threshold", {0.0, a->duration}, {1.0, 1.0}, true});
    // The rate curve: the closed form against the measured rate of 1-s simulations.
    std::vector<double> J, formula_rate, sim_J, sim_rate;
    for (int k = 0; k <= 200; ++k) J.push_back(0.025 * k), formula_rate.push_back(lif_rate(0.025 * k, p));
    for (int k = 1; k <= 50; ++k) {
      const double j = 0.1 * k;
      sim_J.push_back(j), sim_rate.push_back(double(simulate_lif(p, j, 1.0, a->dt).spikes.size()));
    }
    PlotPanel pr = panel("rate curve: formula (line) and spikes in 1 s of simulation (dashed)", "v#din#u", "rate (Hz)");
    pr.lines = {{"1/(t#dref#u - #gt#dm#u ln(1 - 1/v#din#u))", J, formula_rate}, {"simulated", sim_J, sim_rate, true}};
    save_plot(out_path(a->out, "lif.png"), {pv, pr});
  });
}

PopulationOptions population_options(int64_t neurons, uint64_t seed) {
  PopulationOptions o;
  o.neurons = neurons, o.seed = seed;
  return o;
}

void add_tuning(CLI::App& neuro) {
  auto* cmd = neuro.add_subcommand("tuning", "Tuning curves of a 1-D LIF population (Nengo-style gains and biases)");
  struct Args {
    int64_t neurons = 20;
    uint64_t seed = 0;
    std::string out = ".";
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--neurons", a->neurons, "Population size")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of gains, biases and encoders")->capture_default_str();
  cmd->add_option("--out", a->out, "Directory for tuning.png and tuning.csv")->capture_default_str();
  cmd->callback([a] {
    Population pop(population_options(a->neurons, a->seed));
    Tensor x = grid_1d(201);
    Tensor r = pop.rates(x);
    auto xs = column(x, 0);
    auto mr = pop.max_rates().to_vector<double>(), ic = pop.intercepts().to_vector<double>();
    auto enc = pop.encoders().to_vector<double>();
    int64_t positive = 0;
    for (double e : enc) positive += e > 0;
    std::cout << fmt::format("tuning: {} neurons ({} on, {} off), max rates {:.1f}..{:.1f} Hz, intercepts {:.2f}..{:.2f}\n",
                             a->neurons, positive, a->neurons - positive, *std::min_element(mr.begin(), mr.end()),
                             *std::max_element(mr.begin(), mr.end()), *std::min_element(ic.begin(), ic.end()),
                             *std::max_element(ic.begin(), ic.end()));
    std::vector<std::string> header{"x"};
    std::vector<std::vector<double>> cols{xs};
    PlotPanel p = panel(fmt::format("tuning curves of {} LIF neurons", a->neurons), "x", "rate (Hz)");
    for (int64_t i = 0; i < pop.size(); ++i) {
      header.push_back(fmt::format("a{}", i));
      cols.push_back(column(r, i));
      p.lines.push_back({"", xs, cols.back()});
    }
    save_csv(out_path(a->out, "tuning.csv"), header, cols);
    save_plot(out_path(a->out, "tuning.png"), {p});
  });
}

void add_decode(CLI::App& neuro) {
  auto* cmd = neuro.add_subcommand("decode", "Optimal (ridge) linear decoders of x or x^2; error against population size");
  struct Args {
    int64_t neurons = 50, points = 1000;
    double noise = 0.1;
    std::string function = "x", out = ".";
    uint64_t seed = 0;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--neurons", a->neurons, "Population size")->capture_default_str();
  cmd->add_option("--function", a->function, "x | square")->capture_default_str();
  cmd->add_option("--noise", a->noise, "Noise sigma as a fraction of the largest rate (ridge term)")->capture_default_str();
  cmd->add_option("--points", a->points, "Sample points of the solve")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the population")->capture_default_str();
  cmd->add_option("--out", a->out, "Directory for decode.png and decode.csv")->capture_default_str();
  cmd->callback([a] {
    CAJAL_CHECK(a->function == "x" || a->function == "square", "neuro decode",
                "unknown function '{}'; valid functions: x, square", a->function);
    auto f = [a](const Tensor& x) { return a->function == "x" ? x.clone() : square(x); };
    DecoderOptions d;
    d.noise = a->noise, d.points = a->points, d.seed = a->seed + 1;
    auto solve = [&](int64_t n) {
      Population pop(population_options(n, a->seed));
      Tensor D = decoders_for(pop, f, d);
      Tensor x = grid_1d(401);
      Tensor A = pop.rates(x);
      const double sigma = a->noise * cajal::max(A).item();
      return std::make_tuple(pop, D, x, A, sigma);
    };
    auto [pop, D, x, A, sigma] = solve(a->neurons);
    Tensor y = matmul(A, D), t = f(x);
    auto xs = column(x, 0), ys = column(y, 0), ts = column(t, 0);
    double se = 0;
    for (size_t i = 0; i < xs.size(); ++i) se += (ys[i] - ts[i]) * (ys[i] - ts[i]);
    const double rmse = std::sqrt(se / double(xs.size()));
    const double with_noise = decoding_error(pop, D, x, t, sigma);
    std::cout << fmt::format("decode: f = {} with {} neurons, noise {}: RMSE {:.4f} (noise-free), "
                             "expected squared error with noise {:.3g}\n", a->function, a->neurons, a->noise, rmse, with_noise);
    save_csv(out_path(a->out, "decode.csv"), {"x", "true", "decoded"}, {xs, ts, ys});
    // Error (distortion plus noise) against N: the notes' 1/N.
    std::vector<double> ns, errs, one_over_n;
    for (int64_t n : {10, 20, 40, 80, 160, 320}) {
      auto [p2, D2, x2, A2, s2] = solve(n);
      ns.push_back(double(n)), errs.push_back(std::log10(decoding_error(p2, D2, x2, f(x2), s2)));
    }
    for (double n : ns) one_over_n.push_back(errs.front() - std::log10(n / ns.front()));
    std::cout << "decode: error at N = 10..320: ";
    for (size_t i = 0; i < ns.size(); ++i) std::cout << fmt::format("{}{:.2e}", i ? ", " : "", std::pow(10.0, errs[i]));
    std::cout << "\n";
    std::vector<double> log_n;
    for (double n : ns) log_n.push_back(std::log10(n));
    PlotPanel pd = panel(fmt::format("decoded f(x) = {} from {} neurons: RMSE {:.4f}", a->function == "x" ? "x" : "x#u2#d",
                             a->neurons, rmse), "x", "f(x)");
    pd.lines = {{"true", xs, ts}, {"decoded", xs, ys, true}};
    PlotPanel pe = panel("decoding error (distortion + noise) against population size", "log#d10#u N", "log#d10#u error");
    pe.lines = {{"measured", log_n, errs}, {"1/N", log_n, one_over_n, true}};
    save_plot(out_path(a->out, "decode.png"), {pd, pe});
  });
}

struct DynamicsArgs {
  int64_t neurons = 200;
  double duration = 1.7, dt = 1e-3, tau = 0.1;
  uint64_t seed = 0;
  std::string out = ".";
};
void add_dynamics_flags(CLI::App* cmd, DynamicsArgs& a, const char* files) {
  cmd->add_option("--neurons", a.neurons, "Population size")->capture_default_str();
  cmd->add_option("--duration", a.duration, "Simulated time (s)")->capture_default_str();
  cmd->add_option("--dt", a.dt, "Time step (s); neurons and synapses are integrated exactly")->capture_default_str();
  cmd->add_option("--tau", a.tau, "Recurrent synaptic time constant (s)")->capture_default_str();
  cmd->add_option("--seed", a.seed, "Seed of the population and its decoders")->capture_default_str();
  cmd->add_option("--out", a.out, std::string("Directory for ") + files)->capture_default_str();
}
DynamicsOptions dynamics_options(const DynamicsArgs& a, const char* cmd) {
  check_positive(cmd, "tau", a.tau);
  check_positive(cmd, "duration", a.duration);
  DynamicsOptions o;
  o.neurons = a.neurons, o.tau = a.tau, o.seed = a.seed;
  return o;
}

void add_integrator(CLI::App& neuro) {
  auto* cmd = neuro.add_subcommand("integrator", "Recurrent LIF population as an integrator (dx/dt = u): hold and drift");
  auto a = std::make_shared<DynamicsArgs>();
  auto amplitude = std::make_shared<double>(1.0);
  add_dynamics_flags(cmd, *a, "integrator.png and integrator.csv");
  cmd->add_option("--input", *amplitude, "u during [0.1, 0.6) s (then 0)")->capture_default_str();
  cmd->callback([a, amplitude] {
    CAJAL_CHECK(a->duration >= 0.7, "neuro integrator", "expected duration >= 0.7 s (the input ends at 0.6 s), got {}",
                a->duration);
    const double u0 = *amplitude;
    auto u = [u0](double t) { return t >= 0.1 && t < 0.6 ? u0 : 0.0; };
    Network net = integrator(u, dynamics_options(*a, "neuro integrator"));
    auto r = net.run({a->duration, a->dt, true, false});
    auto t = r.t.to_vector<double>(), x = column(r.probes[0], 0);
    std::vector<double> truth(t.size()), us(t.size());
    for (size_t i = 0; i < t.size(); ++i) us[i] = u(t[i]), truth[i] = u0 * std::clamp(t[i] - 0.1, 0.0, 0.5);
    const double held = window_mean(t, x, 0.64, 0.66), end = window_mean(t, x, a->duration - 0.02, a->duration + 1);
    const double hold_time = a->duration - 0.02 - 0.64;
    std::cout << fmt::format("integrator: {} neurons, tau {} s, u = {} for 0.5 s: holds {:.4f} (true {:.4f}), "
                             "drift {:.4f} over {:.2f} s (bound 0.1), {} spikes\n",
                             a->neurons, a->tau, u0, held, 0.5 * u0, end - held, hold_time, r.spikes[0].size());
    save_csv(out_path(a->out, "integrator.csv"), {"t_s", "u", "true_x", "decoded_x"}, {t, us, truth, x});
    PlotPanel px = panel(fmt::format("integrator: decoded x against the true integral (drift {:.3f} over {:.2f} s)", end - held, hold_time),
                 "t (s)", "x");
    px.lines = {{"decoded", t, x}, {"true", t, truth, true}, {"input u", t, us}};
    SpikeTrain shown = first_neurons(r.spikes[0], 50);
    PlotPanel pr = panel("spikes of the first 50 neurons", "t (s)", "neuron");
    pr.raster = &shown;
    save_plot(out_path(a->out, "integrator.png"), {px, pr});
  });
}

void add_oscillator(CLI::App& neuro) {
  auto* cmd = neuro.add_subcommand("oscillator", "Recurrent 2-D LIF population as a harmonic oscillator: period, amplitude");
  auto a = std::make_shared<DynamicsArgs>();
  a->neurons = 400, a->duration = 3.5;
  auto freq = std::make_shared<double>(1.0);
  add_dynamics_flags(cmd, *a, "oscillator.png and oscillator.csv");
  cmd->add_option("--frequency", *freq, "Oscillation frequency (Hz)")->capture_default_str();
  cmd->callback([a, freq] {
    check_positive("neuro oscillator", "frequency", *freq);
    Network net = oscillator(2 * M_PI * *freq, [](double t, double* u) { u[0] = t < 0.1 ? 10.0 : 0.0, u[1] = 0.0; },
                             dynamics_options(*a, "neuro oscillator"));
    auto r = net.run({a->duration, a->dt, true, false});
    auto t = r.t.to_vector<double>(), x1 = column(r.probes[0], 0), x2 = column(r.probes[0], 1);
    // Upward zero crossings of x2 after 0.5 s, with hysteresis (from below -0.3) against spike noise.
    std::vector<double> ups;
    bool low = false;
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] < 0.5) continue;
      if (x2[i] < -0.3) low = true;
      if (low && x2[i] >= 0) ups.push_back(t[i]), low = false;
    }
    double amp = 0;
    for (size_t i = 0; i < t.size(); ++i)
      if (t[i] >= a->duration - 1.0) amp = std::max(amp, std::hypot(x1[i], x2[i]));
    std::cout << fmt::format("oscillator: {} neurons, {} Hz, {} s: ", a->neurons, *freq, a->duration);
    if (ups.size() >= 2)
      std::cout << fmt::format("period {:.3f} s (true {:.3f}) over {} cycles", (ups.back() - ups.front()) / double(ups.size() - 1),
                               1.0 / *freq, ups.size() - 1);
    else
      std::cout << "fewer than 2 cycles";
    std::cout << fmt::format(", amplitude {:.3f} in the last second, {} spikes\n", amp, r.spikes[0].size());
    save_csv(out_path(a->out, "oscillator.csv"), {"t_s", "x1", "x2"}, {t, x1, x2});
    PlotPanel px = panel(fmt::format("oscillator at {} Hz: decoded state", *freq), "t (s)", "x");
    px.lines = {{"x#d1#u", t, x1}, {"x#d2#u", t, x2}};
    px.ymin = -1.5, px.ymax = 1.5;
    SpikeTrain shown = first_neurons(r.spikes[0], 50);
    PlotPanel pr = panel("spikes of the first 50 neurons", "t (s)", "neuron");
    pr.raster = &shown;
    save_plot(out_path(a->out, "oscillator.png"), {px, pr});
  });
}

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* neuro = app.add_subcommand("neuro", "Spiking neurons, population coding and NEF dynamics, with plots");
  neuro->require_subcommand(1);
  add_hh(*neuro);
  add_lif(*neuro);
  add_tuning(*neuro);
  add_decode(*neuro);
  add_integrator(*neuro);
  add_oscillator(*neuro);
});

}  // namespace
