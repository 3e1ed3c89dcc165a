// The ONNX mappings of the sequence layers (entries of the table in export_table.cpp):
// nn::RNN / LSTM / GRU as one ONNX RNN / LSTM / GRU node per layer, and
// nn::TransformerEncoderLayer as its attention and feed-forward blocks from MatMul, Softmax and
// LayerNormalization, and the zoo's gpt (those layers with a causal mask) and bert. Also run_module,
// which runs any exported module on one tensor.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

#include "cajal/core/error.h"
#include "cajal/nn/nn.h"
#include "cajal/nn/transformer.h"
#include "cajal/nn/transformer_stack.h"
#include "exporter.h"

namespace cajal::onnx::detail {

Tensor run_module(nn::Module& m, const Tensor& x) {
  if (auto* u = dynamic_cast<nn::UnaryModule*>(&m)) return u->forward(x);
  if (auto* l = dynamic_cast<nn::LSTM*>(&m)) return std::get<0>(l->forward(x));
  if (auto* g = dynamic_cast<nn::GRU*>(&m)) return std::get<0>(g->forward(x));
  if (auto* r = dynamic_cast<nn::RNN*>(&m)) return std::get<0>(r->forward(x));
  if (auto* t = dynamic_cast<nn::TransformerEncoderLayer*>(&m)) return t->forward(x);
  if (auto* t = dynamic_cast<nn::TransformerEncoder*>(&m)) return t->forward(x);
  CAJAL_FAIL(Type, "onnx export", "cannot run {} on one tensor", m.type_name());
}

namespace {

// torch's gate blocks in ONNX's order: LSTM (i, f, g, o) -> (i, o, f, c); GRU (r, z, n) -> (z, r, h).
Tensor reorder_gates(const Tensor& t, const std::vector<int64_t>& order, int64_t hidden) {
  std::vector<Tensor> blocks;
  for (int64_t b : order) blocks.push_back(narrow(t, 0, b * hidden, hidden));
  return cat(blocks, 0);
}

}  // namespace

Value emit_recurrent(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  auto& rnn = static_cast<nn::RNNBase&>(m);
  const auto& o = rnn.options();
  GraphBuilder& g = ex.graph();
  const std::string h = path.empty() ? m.type_name() : path;
  const int64_t H = o.hidden_size(), D = o.bidirectional() ? 2 : 1;
  const char* op = rnn.mode() == nn::RNNMode::LSTM ? "LSTM" : rnn.mode() == nn::RNNMode::GRU ? "GRU" : "RNN";
  const std::vector<int64_t> order = rnn.mode() == nn::RNNMode::LSTM  ? std::vector<int64_t>{0, 3, 1, 2}
                                     : rnn.mode() == nn::RNNMode::GRU ? std::vector<int64_t>{1, 0, 2}
                                                                      : std::vector<int64_t>{0};
  const int64_t G = int64_t(order.size());
  Tensor y = run_module(m, x.traced);

  // ONNX's layout is (seq, batch, input); states start at zero (no initial_h / initial_c inputs).
  const bool unbatched = x.traced.dim() == 2;
  std::string cur = x.name;
  if (unbatched)
    cur = g.node1("Unsqueeze", {cur, g.ints({1}, h + ".axes")}, {}, h);
  else if (o.batch_first())
    cur = g.node1("Transpose", {cur}, {attr_ints("perm", {1, 0, 2})}, h);

  for (int64_t layer = 0; layer < o.num_layers(); ++layer) {
    std::vector<Tensor> W, R, B;
    for (int64_t d = 0; d < D; ++d) {
      const nn::RecurrentWeights& w = rnn.weights()[size_t(layer * D + d)];
      W.push_back(reorder_gates(w.w_ih, order, H));
      R.push_back(reorder_gates(w.w_hh, order, H));
      const Tensor zero = zeros({G * H}, w.w_ih.dtype());
      B.push_back(cat({w.b_ih.defined() ? reorder_gates(w.b_ih, order, H) : zero,
                       w.b_hh.defined() ? reorder_gates(w.b_hh, order, H) : zero},
                      0));
    }
    const std::string lp = Exporter::join(path, fmt::format("l{}", layer));
    std::vector<std::string> in = {cur, g.initializer(lp + ".W", stack(W, 0)), g.initializer(lp + ".R", stack(R, 0)),
                                   g.initializer(lp + ".B", stack(B, 0))};
    std::vector<pb::AttributeProto> attrs = {attr_int("hidden_size", H)};
    if (D == 2) attrs.push_back(attr_string("direction", "bidirectional"));
    if (rnn.mode() == nn::RNNMode::GRU) attrs.push_back(attr_int("linear_before_reset", 1));  // torch's candidate
    if (rnn.mode() == nn::RNNMode::RNN_RELU || rnn.mode() == nn::RNNMode::RNN_TANH)
      attrs.push_back(attr_strings("activations", std::vector<std::string>(
                                                      size_t(D), rnn.mode() == nn::RNNMode::RNN_RELU ? "Relu" : "Tanh")));
    const std::string Y = g.node1(op, in, std::move(attrs), lp);  // (seq, D, batch, H)
    if (D == 1)
      cur = g.node1("Squeeze", {Y, g.ints({1}, lp + ".axes")}, {}, lp);
    else
      cur = g.node1("Reshape", {g.node1("Transpose", {Y}, {attr_ints("perm", {0, 2, 1, 3})}, lp), g.ints({0, 0, -1}, lp + ".shape")},
                    {}, lp);
  }
  if (unbatched)
    cur = g.node1("Squeeze", {cur, g.ints({1}, h + ".axes")}, {}, h);
  else if (o.batch_first())
    cur = g.node1("Transpose", {cur}, {attr_ints("perm", {1, 0, 2})}, h);
  return {cur, y};
}

namespace {

// torch's bool causal mask over n positions (true: key j > query i, not attended), and its additive
// twin on the scores (0 / -inf).
std::pair<Tensor, Tensor> causal_masks(int64_t n, DType dtype) {
  Tensor future = gt(arange(n).reshape({1, n}), arange(n).reshape({n, 1}));
  Tensor additive = masked_fill(zeros({n, n}, dtype), future, -std::numeric_limits<double>::infinity());
  return {future, additive};
}

// The layer's attention and feed-forward blocks. causal_mask, when not empty, names the graph's
// additive [T, T] mask on the scores (0 where query i may attend key j <= i, -inf above).
Value encoder_layer(Exporter& ex, nn::Module& m, const std::string& path, const Value& x,
                    const std::string& causal_mask = "") {
  const bool causal = !causal_mask.empty();
  auto& layer = static_cast<nn::TransformerEncoderLayer&>(m);
  const auto& o = layer.options();
  auto& attn = *layer.self_attn;
  GraphBuilder& g = ex.graph();
  const std::string h = path.empty() ? m.type_name() : path;
  const int64_t E = o.d_model(), heads = o.nhead(), hd = E / heads;
  const int64_t T = x.traced.size(x.traced.dim() == 2 || !o.batch_first() ? 0 : 1);
  // The masks of the traced values: the bool one for the layer's own forward, the additive one on
  // the scores.
  // (Plain variables, not a structured binding: clang 14's lambdas cannot capture those.)
  Tensor future, additive;
  if (causal) std::tie(future, additive) = causal_masks(T, x.traced.dtype());
  Tensor y = causal ? layer.forward(x.traced, future) : layer.forward(x.traced);

  // Inside: batch first (N, L, E), whatever the layer's layout.
  const bool unbatched = x.traced.dim() == 2;
  Value v = x;
  if (unbatched)
    v = {g.node1("Unsqueeze", {x.name, g.ints({0}, h + ".axes")}, {}, h), unsqueeze(x.traced, 0)};
  else if (!o.batch_first())
    v = {g.node1("Transpose", {x.name}, {attr_ints("perm", {1, 0, 2})}, h), transpose(x.traced, 0, 1)};

  auto add_values = [&](const Value& a, const Value& b) {
    return Value{g.node1("Add", {a.name, b.name}, {}, h), add(a.traced, b.traced)};
  };
  // softmax(q k^T / sqrt(d) [+ causal mask]) v per head, then out_proj.
  auto self_attention = [&](const Value& in) {
    const std::string ap = Exporter::join(path, "self_attn");
    const int64_t N = in.traced.size(0), L = in.traced.size(1);
    const std::string w = g.initializer(ap + ".in_proj_weight", attn.in_proj_weight);
    std::string qkv = g.node1("MatMul", {in.name, g.node1("Transpose", {w}, {attr_ints("perm", {1, 0})}, ap)}, {}, ap);
    Tensor qkv_t = linear(in.traced, attn.in_proj_weight, attn.in_proj_bias);
    if (attn.in_proj_bias.defined()) qkv = g.node1("Add", {qkv, g.initializer(ap + ".in_proj_bias", attn.in_proj_bias)}, {}, ap);
    const auto parts = g.node("Split", {qkv}, {attr_int("axis", 2)}, ap, 3);
    const std::string heads_shape = g.ints({0, 0, heads, hd}, ap + ".heads_shape");
    auto split_heads = [&](const std::string& t, std::vector<int64_t> perm) {
      return g.node1("Transpose", {g.node1("Reshape", {t, heads_shape}, {}, ap)}, {attr_ints("perm", perm)}, ap);
    };
    const std::string q = split_heads(parts[0], {0, 2, 1, 3}), kt = split_heads(parts[1], {0, 2, 3, 1}),
                      vv = split_heads(parts[2], {0, 2, 1, 3});
    std::string s = g.node1("MatMul", {q, kt}, {}, ap);
    s = g.node1("Div", {s, scalar(g, std::sqrt(double(hd)), ap + ".scale")}, {}, ap);
    if (causal) s = g.node1("Add", {s, causal_mask}, {}, ap);
    s = g.node1("Softmax", {s}, {attr_int("axis", -1)}, ap);
    std::string a = g.node1("MatMul", {s, vv}, {}, ap);
    a = g.node1("Transpose", {a}, {attr_ints("perm", {0, 2, 1, 3})}, ap);
    a = g.node1("Reshape", {a, g.ints({0, 0, E}, ap + ".merge_shape")}, {}, ap);
    // The traced value of the same computation, for the shapes downstream.
    const auto qkv_parts = split(qkv_t, E, 2);
    auto heads_of = [&](const Tensor& t) { return permute(reshape(t, {N, L, heads, hd}), {0, 2, 1, 3}); };
    Tensor scores = div(matmul(heads_of(qkv_parts[0]), transpose(heads_of(qkv_parts[1]), 2, 3)), std::sqrt(double(hd)));
    if (causal) scores = add(scores, additive);
    Tensor at = matmul(softmax(scores, -1), heads_of(qkv_parts[2]));
    at = reshape(permute(at, {0, 2, 1, 3}), {N, L, E});
    return ex.emit(*attn.out_proj, Exporter::join(ap, "out_proj"), Value{a, at});
  };
  auto feed_forward = [&](const Value& in) {
    Value t = ex.emit_child(m, path, "linear1", in);
    if (o.activation() == "gelu")
      t = {emit_gelu(g, t.name, false, Exporter::join(path, "activation")), gelu(t.traced)};
    else
      t = {g.node1("Relu", {t.name}, {}, Exporter::join(path, "activation")), relu(t.traced)};
    return ex.emit_child(m, path, "linear2", t);
  };
  if (o.norm_first()) {
    v = add_values(v, self_attention(ex.emit_child(m, path, "norm1", v)));
    v = add_values(v, feed_forward(ex.emit_child(m, path, "norm2", v)));
  } else {
    v = ex.emit_child(m, path, "norm1", add_values(v, self_attention(v)));
    v = ex.emit_child(m, path, "norm2", add_values(v, feed_forward(v)));
  }
  if (unbatched)
    v.name = g.node1("Squeeze", {v.name, g.ints({0}, h + ".axes")}, {}, h);
  else if (!o.batch_first())
    v.name = g.node1("Transpose", {v.name}, {attr_ints("perm", {1, 0, 2})}, h);
  return {v.name, y};
}

}  // namespace

Value emit_transformer_encoder_layer(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  return encoder_layer(ex, m, path, x);
}

namespace {

// The sequence length T of token ids [B, T], read from their shape as a 1-D int64 [T], so a graph
// exported with a dynamic sequence dim takes the length of the ids it is given.
std::string sequence_length(GraphBuilder& g, const std::string& ids, const std::string& h) {
  return g.node1("Gather", {g.node1("Shape", {ids}, {}, h), g.ints({1}, h + ".seq_dim")}, {attr_int("axis", 0)}, h);
}

// The first T rows (and columns: `dims` 2) of a constant: rows 0 .. T-1 of a table made for the
// model's context length.
std::string first_rows(GraphBuilder& g, const std::string& table, const std::string& T, int64_t dims,
                       const std::string& h) {
  const std::vector<int64_t> origin(size_t(dims), 0), axes = dims == 1 ? std::vector<int64_t>{0} : std::vector<int64_t>{0, 1};
  const std::string ends = dims == 1 ? T : g.node1("Concat", {T, T}, {attr_int("axis", 0)}, h);
  return g.node1("Slice", {table, g.ints(origin, h + ".starts"), ends, g.ints(axes, h + ".axes")}, {}, h);
}

// The embedded tokens, the graph's sequence length T (a 1-D int64 [T]) and the model's context.
struct Embedded {
  Value x;
  std::string T;
  int64_t context = 0;
};

// tok_emb[ids] + pos_emb[0 .. T-1], the input of the zoo's transformer language models. The
// positions are the first T of a constant 0 .. context-1, so T may be any length up to the context.
Embedded token_and_position_embeddings(Exporter& ex, nn::Module& m, const std::string& path, const Value& ids) {
  GraphBuilder& g = ex.graph();
  CAJAL_CHECK(ids.traced.dim() == 2, "onnx export", "expected the {}'s token ids as [B, T], got {}", m.type_name(),
              shape_str(ids.traced.shape()));
  const int64_t T = ids.traced.size(1);
  const int64_t context = static_cast<nn::Embedding&>(Exporter::child(m, "pos_emb")).weight.size(0);
  CAJAL_CHECK(T <= context, "onnx export", "expected at most {} tokens (the {}'s context), got ids of shape {}", context,
              m.type_name(), shape_str(ids.traced.shape()));
  std::vector<int64_t> all(static_cast<size_t>(context));
  for (int64_t t = 0; t < context; ++t) all[size_t(t)] = t;
  const std::string h = Exporter::join(path, "positions");
  const std::string table = g.ints(all, h);
  const std::string length = sequence_length(g, ids.name, h);
  const std::string positions = first_rows(g, table, length, 1, h);
  const Value tok = ex.emit_child(m, path, "tok_emb", ids);
  const Value pos = ex.emit_child(m, path, "pos_emb", Value{positions, arange(double(T))});
  return {{g.node1("Add", {tok.name, pos.name}, {}, Exporter::join(path, "embed")), add(tok.traced, pos.traced)},
          length,
          context};
}

}  // namespace

// The zoo's gpt (models/sequence/gpt.cpp): the embeddings, its blocks (encoder layers with a
// causal mask, one [T, T] slice of a [context, context] constant shared by every block), ln_f, head.
Value emit_gpt(Exporter& ex, nn::Module& m, const std::string& path, const Value& ids) {
  GraphBuilder& g = ex.graph();
  const Embedded e = token_and_position_embeddings(ex, m, path, ids);
  Value x = e.x;
  const std::string h = Exporter::join(path, "causal_mask");
  // Named first: the nodes' outputs take h_2, ...
  const std::string table = g.initializer(h, causal_masks(e.context, x.traced.dtype()).second);
  const std::string mask = first_rows(g, table, e.T, 2, h);
  for (const auto& [name, child] : m.named_children())
    if (name.starts_with("block")) x = encoder_layer(ex, *child, Exporter::join(path, name), x, mask);
  return ex.emit_child(m, path, "head", ex.emit_child(m, path, "ln_f", x));
}

// The zoo's bert (models/sequence/bert.cpp): LayerNorm of the embeddings, the encoder stack (no
// mask), then BERT's MLM head: head_norm(gelu(head_transform(x))) times the token embedding's
// transpose (the tied weights, written again as that transpose) plus head_bias.
Value emit_bert(Exporter& ex, nn::Module& m, const std::string& path, const Value& ids) {
  GraphBuilder& g = ex.graph();
  Value x = ex.emit_child(m, path, "emb_norm", token_and_position_embeddings(ex, m, path, ids).x);
  x = ex.emit_child(m, path, "head_transform", ex.emit_child(m, path, "encoder", x));
  x = {emit_gelu(g, x.name, false, Exporter::join(path, "head_gelu")), gelu(x.traced)};
  x = ex.emit_child(m, path, "head_norm", x);
  const Tensor& table = static_cast<nn::Embedding&>(Exporter::child(m, "tok_emb")).weight;
  Tensor bias;
  for (const auto& [name, p] : m.named_parameters(/*recurse=*/false))
    if (name == "head_bias") bias = p;
  CAJAL_CHECK(bias.defined(), "onnx export", "module {} has no parameter 'head_bias'", m.type_name());
  const std::string h = Exporter::join(path, "head");
  const std::string w_t = g.initializer(Exporter::join(path, "tok_emb.weight_transposed"), transpose(table, 0, 1).contiguous());
  const std::string logits = g.node1("MatMul", {x.name, w_t}, {}, h);
  return {g.node1("Add", {logits, g.initializer(Exporter::join(path, "head_bias"), bias)}, {}, h),
          linear(x.traced, table, bias)};
}

// The stack: each layer of "layers" in turn, then the optional final "norm".
Value emit_transformer_encoder(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  auto& enc = static_cast<nn::TransformerEncoder&>(m);
  const std::string layers = Exporter::join(path, "layers");
  Value v = x;
  for (const auto& [name, layer] : enc.layers->named_children()) v = ex.emit(*layer, Exporter::join(layers, name), v);
  if (enc.norm) v = ex.emit(*enc.norm, Exporter::join(path, "norm"), v);
  return v;
}

}  // namespace cajal::onnx::detail
