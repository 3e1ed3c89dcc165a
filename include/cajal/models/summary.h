// Model summaries (`cajal summary`): one row per layer with its output shape, parameters and
// multiply-accumulates, found by running one forward on zeros in eval mode without gradients.
//
// How rows are found: nn::Sequential and models::cnn::Chain are walked child by child; a module
// without children is one row; any other module (a residual block, an inception module) runs its
// own forward, and its children appear as rows when that forward calls them through
// summary::run (every zoo block does); a user's composite that does not is one row of its own.
// MACs use the notes' cost model: a convolution costs conv2d_multiplies (oh ow O C/groups kh kw),
// a Linear in x out per row; pooling, normalisation, embeddings and activations count 0; the
// recurrent layers and transformer encoder layers count their matrix products (macs_of in
// summary.cpp). A composite whose inner layers were not seen is a row whose MACs are not counted
// ("-"), and the totals name it, rather than a guess; so is a layer with parameters whose cost the
// model does not know. A module called more than once in the forward (a decoder cell at each
// step) is one row: its calls, the MACs of all of them, the output of the last. FLOPs = 2 x MACs.
//
// A model whose forward is not one tensor in and one out (an encoder-decoder reads a source and a
// target, a GAN has a generator besides the discriminator its forward runs) implements
// SummaryForward: it runs every path on inputs of its own for the summary.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cajal/nn/module.h"

namespace cajal::models::summary {

struct Row {
  std::string name, type;  // dotted name from the summarised module ("layer1.0.conv1"), its type
  Shape output;            // with the batch dimension
  int64_t parameters = 0;  // this layer's own (a module shared by two paths counts on its first row)
  int64_t macs = 0;        // for the whole batch
  bool macs_counted = true;  // false: a composite whose inner layers were not seen (macs is 0)
  int64_t calls = 1;         // times the forward called the module
};

struct Summary {
  std::string model;
  Shape input;  // with the batch dimension
  std::vector<Row> rows;
  int64_t total_parameters = 0;  // module.num_parameters()
  int64_t total_macs = 0;      // over the rows whose MACs are counted
  std::vector<std::string> not_counted;  // the rows whose MACs are not (by name)
  int64_t activation_bytes = 0;  // float32 outputs of every row, for ONE example
  int64_t flops() const { return 2 * total_macs; }
};

// See above: a model's forward for a summary, every layer called through run / run_layer.
class SummaryForward {
 public:
  virtual ~SummaryForward() = default;
  // `input`: the summary's input shape with its batch dim ({B, S} source tokens for seq2seq).
  virtual void summary_forward(const Shape& input) = 0;
};

// `input` is one example's shape ({1, 28, 28} or {784}); the forward runs on `batch` of them: an
// nn::UnaryModule on zeros (token 0 for the language models), a SummaryForward its own way.
Summary summarize(nn::Module& module, const Shape& input, int64_t batch = 1, const std::string& model_name = "");
std::string to_string(const Summary& s);  // the table and totals
nlohmann::ordered_json to_json(const Summary& s);

// Calls m(x); while a summary is being taken, records m (or walks it) as described above.
Tensor run(nn::UnaryModule& m, const Tensor& x);

// run_layer's second half: while a summary is being taken, the row of one call (else nothing).
void record_layer(nn::Module& m, const Tensor& x, const Tensor& y, std::optional<int64_t> macs);

// For a module whose forward takes more than one argument (an RNN with its state, a transformer
// layer with its mask): calls `forward` and, while a summary is being taken, records m as one row
// with input x and the tensor `forward` returns, and `macs` when the cost depends on more than x
// and that tensor (an attention's keys); else the cost model's. A template, so the call in a
// training step (a decoder cell at every token) builds no std::function.
template <class Forward>
Tensor run_layer(nn::Module& m, const Tensor& x, Forward&& forward, std::optional<int64_t> macs = std::nullopt) {
  Tensor y = forward();
  record_layer(m, x, y, macs);
  return y;
}

// A computation with no module of its own (an output layer tied to an embedding's weight): while a
// summary is being taken, a row `name` of `type` with output y and the given MACs, no parameters.
void record_computation(const std::string& name, const std::string& type, const Tensor& y, int64_t macs);

}  // namespace cajal::models::summary
