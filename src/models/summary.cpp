// Model summaries (cajal/models/summary.h): a traced forward on zeros, one row per layer.
#include "cajal/models/summary.h"

#include <fmt/format.h>

#include <map>

#include "cajal/autograd/grad_mode.h"
#include "cajal/models/cnn.h"
#include "cajal/nn/layer_context.h"
#include "cajal/nn/nn.h"

namespace cajal::models::summary {

namespace {

struct Trace {
  std::map<const nn::Module*, std::string> names;
  std::vector<Row> rows;
  std::map<const nn::Module*, bool> counted;  // parameters of a shared module count once
};
thread_local Trace* g_trace = nullptr;

void collect_names(const nn::Module& m, const std::string& prefix, Trace& t) {
  t.names.emplace(&m, prefix);
  for (const auto& [name, child] : m.named_children())
    collect_names(*child, prefix.empty() ? name : prefix + "." + name, t);
}

// The notes' cost model, for one forward of the whole batch.
int64_t macs_of(nn::Module& m, const Tensor& x, const Tensor& y) {
  if (auto* conv = dynamic_cast<nn::Conv2d*>(&m)) {
    const auto& o = conv->options();
    return x.size(0) * conv2d_multiplies({x.size(2), x.size(3)}, conv->weight.shape(), o.stride(), o.padding(),
                                         o.dilation());
  }
  if (auto* deconv = dynamic_cast<nn::ConvTranspose2d*>(&m)) {
    // The adjoint of a convolution: every input pixel meets every (C_out / groups) x kh x kw tap
    // of its group, so the cost is counted on the input side (torch's profilers count the same).
    const Shape& w = deconv->weight.shape();  // (C_in, C_out / groups, kh, kw)
    return x.size(0) * x.size(2) * x.size(3) * w[0] * w[1] * w[2] * w[3];
  }
  if (auto* lin = dynamic_cast<nn::Linear*>(&m)) {
    const int64_t in = lin->weight.size(1), out = lin->weight.size(0);
    return (x.numel() / in) * in * out;
  }
  (void)y;
  return 0;
}

void record(nn::Module& m, const Tensor& x, const Tensor& y, bool with_macs) {
  Trace& t = *g_trace;
  Row r;
  auto it = t.names.find(&m);
  r.name = it == t.names.end() ? "?" : it->second;
  r.type = m.type_name();
  r.output = y.shape();
  if (!t.counted[&m]) r.parameters = m.num_parameters();
  t.counted[&m] = true;
  r.macs = with_macs ? macs_of(m, x, y) : 0;
  t.rows.push_back(std::move(r));
}

bool is_chain(const nn::Module& m) {
  return dynamic_cast<const nn::Sequential*>(&m) || dynamic_cast<const cnn::Chain*>(&m);
}

// Whether the module reads token ids: its first leaf layer, depth first, is an embedding table (the
// language models). Their summary runs on int64 zeros (token 0) instead of float zeros.
bool takes_token_ids(const nn::Module& m) {
  if (dynamic_cast<const nn::Embedding*>(&m) || dynamic_cast<const nn::EmbeddingBag*>(&m)) return true;
  const auto& children = m.named_children();
  return !children.empty() && takes_token_ids(*children.front().second);
}

}  // namespace

Tensor run(nn::UnaryModule& m, const Tensor& x) {
  if (!g_trace) return m.forward(x);
  if (m.named_children().empty()) {
    Tensor y = m.forward(x);
    record(m, x, y, true);
    return y;
  }
  if (is_chain(m)) {
    Tensor y = x;
    for (const auto& [name, child] : m.named_children())  // an error names the child, as Sequential's forward
      y = nn::call_in_layer(name, *child, y, [&, c = child] { return run(nn::as_unary(*c, "summary"), y); });
    return y;
  }
  const size_t before = g_trace->rows.size();
  Tensor y = m.forward(x);
  // A composite that does not call its children through run: one row, with no MAC count (its
  // inner layers' input shapes were not seen), rather than a guess.
  if (g_trace->rows.size() == before) record(m, x, y, false);
  return y;
}

Summary summarize(nn::UnaryModule& module, const Shape& input, int64_t batch, const std::string& model_name) {
  CAJAL_CHECK(batch >= 1, "summary", "expected batch >= 1, got {}", batch);
  CAJAL_CHECK(g_trace == nullptr, "summary", "expected no summary in progress on this thread, got one");
  Summary s;
  s.model = model_name.empty() ? module.type_name() : model_name;
  s.input = {batch};
  for (int64_t d : input) s.input.push_back(d);
  Trace trace;
  collect_names(module, "", trace);
  const bool was_training = module.is_training();
  module.eval();
  {
    NoGradGuard no_grad;
    g_trace = &trace;
    try {
      Tensor x = zeros(s.input, takes_token_ids(module) ? DType::i64 : DType::f32);
      run(module, x);
    } catch (...) {
      g_trace = nullptr;
      module.train(was_training);
      throw;
    }
    g_trace = nullptr;
  }
  module.train(was_training);
  s.rows = std::move(trace.rows);
  s.total_parameters = module.num_parameters();
  for (const Row& r : s.rows) {
    s.total_macs += r.macs;
    int64_t n = 1;
    for (int64_t d : r.output) n *= d;
    s.activation_bytes += 4 * (n / batch);
  }
  return s;
}

namespace {
std::string human(double v, const char* unit) {
  const char* prefixes[] = {"", "K", "M", "G", "T"};
  int p = 0;
  while (v >= 1000 && p < 4) v /= 1000, ++p;
  return fmt::format("{:.2f} {}{}", v, prefixes[p], unit);
}
}  // namespace

std::string to_string(const Summary& s) {
  size_t wname = 5, wtype = 4, wshape = 12;
  for (const Row& r : s.rows) {
    wname = std::max(wname, r.name.size());
    wtype = std::max(wtype, r.type.size());
    wshape = std::max(wshape, shape_str(r.output).size());
  }
  std::string out = fmt::format("{} on input {}\n", s.model, shape_str(s.input));
  const std::string header = fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>12}  {:>16}\n", "Layer", wname, "Type", wtype,
                                         "Output shape", wshape, "Params", "MACs");
  out += header + std::string(header.size() - 1, '-') + "\n";
  for (const Row& r : s.rows)
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>12}  {:>16}\n", r.name, wname, r.type, wtype, shape_str(r.output),
                       wshape, nn::format_count(r.parameters), nn::format_count(r.macs));
  out += std::string(header.size() - 1, '-') + "\n";
  out += fmt::format("Total parameters: {}\n", nn::format_count(s.total_parameters));
  out += fmt::format("Total MACs: {} ({}); FLOPs = 2 x MACs = {}\n", nn::format_count(s.total_macs),
                     human(double(s.total_macs), "MAC"), human(2.0 * double(s.total_macs), "FLOP"));
  out += fmt::format("Activations (float32, one example): {} ({:.2f} MiB); parameters (float32): {:.2f} MiB\n",
                     nn::format_count(s.activation_bytes), s.activation_bytes / 1048576.0,
                     s.total_parameters * 4 / 1048576.0);
  return out;
}

nlohmann::ordered_json to_json(const Summary& s) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const Row& r : s.rows)
    rows.push_back({{"name", r.name}, {"type", r.type}, {"output_shape", r.output.vec()},
                    {"parameters", r.parameters}, {"macs", r.macs}});
  return {{"model", s.model},
          {"input_shape", s.input.vec()},
          {"layers", rows},
          {"total_parameters", s.total_parameters},
          {"total_macs", s.total_macs},
          {"total_flops", s.flops()},
          {"flops_convention", "FLOPs = 2 x MACs"},
          {"activation_bytes_per_example", s.activation_bytes}};
}

}  // namespace cajal::models::summary
