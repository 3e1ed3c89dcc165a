// Model summaries (cajal/models/summary.h): a traced forward on zeros, one row per layer.
#include "cajal/models/summary.h"

#include <fmt/format.h>

#include <fmt/ranges.h>

#include <map>
#include <optional>

#include "cajal/autograd/grad_mode.h"
#include "cajal/models/cnn.h"
#include "cajal/models/energy/rbm.h"
#include "cajal/models/generative/unet.h"
#include "cajal/nn/layer_context.h"
#include "cajal/nn/nn.h"
#include "cajal/nn/transformer.h"
#include "cajal/nn/transformer_positional.h"
#include "cajal/nn/transformer_stack.h"

namespace cajal::models::summary {

namespace {

struct Trace {
  std::map<const nn::Module*, std::string> names;
  std::vector<Row> rows;
  std::map<const nn::Module*, size_t> row_of;  // a module's row, which its later calls join
  int64_t records = 0;                         // calls recorded, rows or not
  int64_t activation_elements = 0;             // every call's output, for the whole batch
};
thread_local Trace* g_trace = nullptr;

void collect_names(const nn::Module& m, const std::string& prefix, Trace& t) {
  t.names.emplace(&m, prefix);
  for (const auto& [name, child] : m.named_children())
    collect_names(*child, prefix.empty() ? name : prefix + "." + name, t);
}

// (batch, time) of a sequence layer's input: (B, T, ...) batch first, (T, B, ...) otherwise, and
// an unbatched (T, features) input as one sequence.
std::pair<int64_t, int64_t> batch_and_time(const Tensor& x, bool batch_first) {
  if (x.dim() == 2) return {1, x.size(0)};
  return batch_first ? std::pair{x.size(0), x.size(1)} : std::pair{x.size(1), x.size(0)};
}

// An encoder layer on (B, T, E): per token the input projections (3 E^2), the output projection
// (E^2) and the feed-forward (2 E ff); per sequence the scores Q K^T and the weighted values
// (T^2 E each).
int64_t encoder_layer_macs(const nn::TransformerEncoderLayer& layer, const Tensor& x) {
  const auto& o = layer.options();
  const auto [B, T] = batch_and_time(x, o.batch_first());
  const int64_t E = o.d_model(), ff = o.dim_feedforward();
  return B * T * (4 * E * E + 2 * E * ff) + B * 2 * T * T * E;
}

// Layers with parameters and no products in the cost model: normalisation (a scale and shift per
// element) and table lookups.
bool no_products(const nn::Module& m) {
  return dynamic_cast<const nn::BatchNorm*>(&m) || dynamic_cast<const nn::LayerNorm*>(&m) ||
         dynamic_cast<const nn::RMSNorm*>(&m) || dynamic_cast<const generative::GroupNorm*>(&m) ||
         dynamic_cast<const nn::Embedding*>(&m) || dynamic_cast<const nn::EmbeddingBag*>(&m) ||
         dynamic_cast<const nn::LearnedPositionalEmbedding*>(&m);
}

// The notes' cost model, for one forward of the whole batch; nullopt: not known for this module.
std::optional<int64_t> macs_of(nn::Module& m, const Tensor& x, const Tensor& y) {
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
  if (auto* conv = dynamic_cast<nn::Conv1d*>(&m)) {  // per output position: C_out x C_in / groups x k
    return y.numel() / y.size(-2) * conv->weight.numel();
  }
  if (auto* lin = dynamic_cast<nn::Linear*>(&m)) {
    const int64_t in = lin->weight.size(1), out = lin->weight.size(0);
    return (x.numel() / in) * in * out;
  }
  if (auto* rnn = dynamic_cast<nn::RNNBase*>(&m)) {
    // Per step, example, layer and direction: the gates' products with the input and the hidden
    // state, gates x H x (I + H); layers above the first read H x directions features.
    const auto& o = rnn->options();
    const int64_t gates = rnn->mode() == nn::RNNMode::LSTM ? 4 : rnn->mode() == nn::RNNMode::GRU ? 3 : 1;
    const int64_t H = o.hidden_size(), dirs = o.bidirectional() ? 2 : 1;
    const auto [B, T] = batch_and_time(x, o.batch_first());
    int64_t per_step = 0;
    for (int64_t l = 0; l < o.num_layers(); ++l) per_step += dirs * gates * H * ((l == 0 ? o.input_size() : H * dirs) + H);
    return B * T * per_step;
  }
  if (auto* cell = dynamic_cast<nn::RNNCellBase*>(&m)) {  // one step: gates x H x (I + H) per example
    const int64_t I = cell->options().input_size();
    return (x.numel() / I) * (cell->weight_ih.numel() + cell->weight_hh.numel());
  }
  if (auto* rbm = dynamic_cast<energy::RBM*>(&m)) {  // reconstruct: v W to the hidden units, h W^T back
    return 2 * x.size(0) * rbm->weight.numel();
  }
  if (auto* min_rnn = dynamic_cast<nn::MinRNNBase*>(&m)) {  // one projection of the inputs (G H, I) per token
    const auto [B, T] = batch_and_time(x, min_rnn->options().batch_first());
    return B * T * min_rnn->weight_ih.numel();
  }
  if (auto* layer = dynamic_cast<nn::TransformerEncoderLayer*>(&m)) return encoder_layer_macs(*layer, x);
  if (auto* encoder = dynamic_cast<nn::TransformerEncoder*>(&m)) {
    int64_t total = 0;
    for (int64_t i = 0; i < encoder->num_layers(); ++i) total += encoder_layer_macs(*encoder->layer(i), x);
    return total;
  }
  // Activations and pooling (no parameters), normalisation and table lookups: no products. A
  // layer with parameters the model does not know is not counted, rather than counted as 0.
  if (m.named_children().empty() && (m.num_parameters() == 0 || no_products(m))) return 0;
  return std::nullopt;
}

// with_macs false: a composite whose inner layers were not seen. `known`: the caller's MACs.
void record(nn::Module& m, const Tensor& x, const Tensor& y, bool with_macs, std::optional<int64_t> known = std::nullopt) {
  Trace& t = *g_trace;
  ++t.records;
  t.activation_elements += y.numel();
  std::optional<int64_t> macs;
  if (with_macs) macs = known.has_value() ? known : macs_of(m, x, y);
  if (auto it = t.row_of.find(&m); it != t.row_of.end()) {
    Row& r = t.rows[it->second];
    ++r.calls;
    r.output = y.shape();
    r.macs += macs.value_or(0);
    r.macs_counted = r.macs_counted && macs.has_value();
    return;
  }
  Row r;
  auto it = t.names.find(&m);
  r.name = it == t.names.end() ? "?" : it->second;
  r.type = m.type_name();
  r.output = y.shape();
  // Its own parameters: less those of its sub-layers shown on rows of their own (seq2seq's
  // attention.key_proj, run once per source, before the attention's steps).
  r.parameters = m.num_parameters();
  for (const Row& other : t.rows)
    if (!r.name.empty() && other.name.starts_with(r.name + ".")) r.parameters -= other.parameters;
  r.macs = macs.value_or(0);
  r.macs_counted = macs.has_value();
  t.row_of[&m] = t.rows.size();
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
  const int64_t before = g_trace->records;
  Tensor y = m.forward(x);
  // A composite that does not call its children through run: one row, with no MAC count (its
  // inner layers' input shapes were not seen), rather than a guess.
  if (g_trace->records == before) record(m, x, y, false);
  return y;
}

void record_layer(nn::Module& m, const Tensor& x, const Tensor& y, std::optional<int64_t> macs) {
  if (g_trace) record(m, x, y, true, macs);
}

void record_computation(const std::string& name, const std::string& type, const Tensor& y, int64_t macs) {
  if (!g_trace) return;
  Row r;
  r.name = name, r.type = type, r.output = y.shape(), r.macs = macs;
  g_trace->rows.push_back(std::move(r));
}

Summary summarize(nn::Module& module, const Shape& input, int64_t batch, const std::string& model_name) {
  CAJAL_CHECK(batch >= 1, "summary", "expected batch >= 1, got {}", batch);
  CAJAL_CHECK(g_trace == nullptr, "summary", "expected no summary in progress on this thread, got one");
  Summary s;
  s.model = model_name.empty() ? module.type_name() : model_name;
  s.input = {batch};
  for (int64_t d : input) s.input.push_back(d);
  Trace trace;
  collect_names(module, "", trace);
  {
    nn::EvalModeGuard eval_mode(module);
    NoGradGuard no_grad;
    g_trace = &trace;
    try {
      if (auto* own = dynamic_cast<SummaryForward*>(&module))
        own->summary_forward(s.input);
      else
        run(nn::as_unary(module, "summary"), zeros(s.input, takes_token_ids(module) ? DType::i64 : DType::f32));
    } catch (...) {
      g_trace = nullptr;
      throw;
    }
    g_trace = nullptr;
  }
  s.rows = std::move(trace.rows);
  s.total_parameters = module.num_parameters();
  for (const Row& r : s.rows) {
    s.total_macs += r.macs;
    if (!r.macs_counted) s.not_counted.push_back(r.name.empty() ? r.type : r.name);
  }
  s.activation_bytes = 4 * (trace.activation_elements / batch);
  return s;
}

namespace {
std::string human(double v, const char* unit) {
  const char* prefixes[] = {"", "K", "M", "G", "T"};
  int p = 0;
  while (v >= 1000 && p < 4) v /= 1000, ++p;
  return fmt::format("{:.2f} {}{}", v, prefixes[p], unit);
}

// The name column: a module called more than once says how often.
std::string shown_name(const Row& r) { return r.calls > 1 ? fmt::format("{} (x{})", r.name, r.calls) : r.name; }
}  // namespace

std::string to_string(const Summary& s) {
  size_t wname = 5, wtype = 4, wshape = 12;
  for (const Row& r : s.rows) {
    wname = std::max(wname, shown_name(r).size());
    wtype = std::max(wtype, r.type.size());
    wshape = std::max(wshape, shape_str(r.output).size());
  }
  std::string out = fmt::format("{} on input {}\n", s.model, shape_str(s.input));
  const std::string header = fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>12}  {:>16}\n", "Layer", wname, "Type", wtype,
                                         "Output shape", wshape, "Params", "MACs");
  out += header + std::string(header.size() - 1, '-') + "\n";
  for (const Row& r : s.rows)
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>12}  {:>16}\n", shown_name(r), wname, r.type, wtype, shape_str(r.output),
                       wshape, nn::format_count(r.parameters), r.macs_counted ? nn::format_count(r.macs) : "-");
  out += std::string(header.size() - 1, '-') + "\n";
  out += fmt::format("Total parameters: {}\n", nn::format_count(s.total_parameters));
  out += fmt::format("Total MACs: {} ({}); FLOPs = 2 x MACs = {}\n", nn::format_count(s.total_macs),
                     human(double(s.total_macs), "MAC"), human(2.0 * double(s.total_macs), "FLOP"));
  if (!s.not_counted.empty())
    out += fmt::format("Not counted: the MACs inside {} (layers its forward does not trace; the totals leave them out)\n",
                       fmt::join(s.not_counted, ", "));
  out += fmt::format("Activations (float32, one example): {} ({:.2f} MiB); parameters (float32): {:.2f} MiB\n",
                     nn::format_count(s.activation_bytes), s.activation_bytes / 1048576.0,
                     s.total_parameters * 4 / 1048576.0);
  return out;
}

nlohmann::ordered_json to_json(const Summary& s) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const Row& r : s.rows)
    rows.push_back({{"name", r.name}, {"type", r.type}, {"output_shape", r.output.vec()},
                    {"parameters", r.parameters}, {"calls", r.calls},
                    {"macs", r.macs_counted ? nlohmann::ordered_json(r.macs) : nlohmann::ordered_json()}});
  return {{"model", s.model},
          {"input_shape", s.input.vec()},
          {"layers", rows},
          {"total_parameters", s.total_parameters},
          {"total_macs", s.total_macs},
          {"macs_not_counted", s.not_counted},
          {"total_flops", s.flops()},
          {"flops_convention", "FLOPs = 2 x MACs"},
          {"activation_bytes_per_example", s.activation_bytes}};
}

}  // namespace cajal::models::summary
