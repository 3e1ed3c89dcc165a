// `cajal export CKPT --onnx FILE [--input CxHxW] [--batch N] [--opset N] [--dynamic-batch]
// [--dynamic-seq] [--module PATH]`: a checkpoint's model (or one of its modules, such as a GAN's
// generator or an autoencoder's decoder) as
// an ONNX file (cajal/onnx/onnx.h, docs/INTERCHANGE.md), traced on zeros of the model's input shape
// (the one stored with the checkpoint's training data, else the model's default). The written
// file is read back with cajal's importer and run on the same input; the largest difference from
// the model's own output is printed, so every export is checked once.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "checkpoint_data.h"
#include "cli_options.h"
#include "cajal/autograd/grad_mode.h"
#include "cajal/core/error.h"
#include "cajal/io/checkpoint.h"
#include "cajal/models/registry.h"
#include "cajal/onnx/onnx.h"
#include "cajal/ops/ops.h"
#include "cajal/tools_registry.h"

namespace {

double max_abs_diff(const cajal::Tensor& a, const cajal::Tensor& b) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double m = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}

// The module at a dotted path below the model ("generator", "encoder.0").
cajal::nn::Module& find_module(cajal::nn::Module& model, const std::string& model_name, const std::string& path) {
  cajal::nn::Module* m = &model;
  std::string here = model_name;
  for (size_t begin = 0; begin <= path.size();) {
    const size_t end = std::min(path.find('.', begin), path.size());
    const std::string part = path.substr(begin, end - begin);
    cajal::nn::Module* next = nullptr;
    std::vector<std::string> names;
    for (const auto& [child_name, child] : m->named_children()) {
      names.push_back(child_name);
      if (child_name == part) next = child.get();
    }
    CAJAL_CHECK(next != nullptr, "export", "expected --module to name a module, got '{}': {} has no '{}' (its modules: {})",
                path, here, part, names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", ")));
    m = next;
    here += "." + part;
    begin = end + 1;
  }
  return *m;
}

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Export a checkpoint's model to another format (ONNX)");
  auto ckpt = std::make_shared<std::string>();
  auto onnx_path = std::make_shared<std::string>();
  auto input = std::make_shared<std::string>();
  auto batch = std::make_shared<int64_t>(1);
  auto opset = std::make_shared<int64_t>(17);
  cmd->add_option("checkpoint", *ckpt, "A checkpoint written by cajal train")->required();
  cmd->add_option("--onnx", *onnx_path, "Write the model as an ONNX file (opset 13..17)")->required();
  cmd->add_option("--input", *input, "One example's shape, CxHxW or F, or T tokens (default: the checkpoint's input shape or sequence length)");
  cmd->add_option("--batch", *batch, "Batch size of the example input (the graph's, unless --dynamic-batch)");
  cmd->add_option("--opset", *opset, "ONNX opset (13..17; transformer blocks need 17)");
  auto dynamic_batch = std::make_shared<bool>(false);
  cmd->add_flag("--dynamic-batch", *dynamic_batch,
                "Leave the batch dim of the input and output symbolic ('batch'): the file runs any batch size");
  auto dynamic_seq = std::make_shared<bool>(false);
  cmd->add_flag("--dynamic-seq", *dynamic_seq,
                "A language model's sequence dim symbolic ('seq'): the file runs any length up to the context");
  auto module = std::make_shared<std::string>();
  cmd->add_option("--module", *module,
                  "Export this module of the model instead (a dotted path, e.g. generator or decoder; needs --input)");
  cmd->callback([ckpt, onnx_path, input, batch, opset, dynamic_batch, dynamic_seq, module] {
    cajal::onnx::require_available("export");
    CAJAL_CHECK(*batch >= 1, "export", "expected --batch >= 1, got {}", *batch);
    auto ck = cajal::io::load_checkpoint(*ckpt);
    const std::string name = ck.metadata.at("model");
    const auto& spec = cajal::models::find_model(name);
    auto cfg = cajal::cli::eval_config(ck, spec, *ckpt, "");
    auto model = cajal::models::build_model(name, cfg.model_config);
    model->load_state_dict(ck.model);
    cajal::nn::Module& target = module->empty() ? *model : find_module(*model, name, *module);
    CAJAL_CHECK(module->empty() || !input->empty(), "export",
                "expected --input with --module: the shape of one input of '{}'", *module);

    // Language models read token ids, as many as the run trained on.
    const bool ids = module->empty() && (spec.task == "language_model" || spec.task == "masked_language_model");
    cajal::Shape shape = spec.input_shape;
    const nlohmann::json info = ck.metadata.value("data_info", nlohmann::json::object());
    if (info.is_object() && info.contains("input_shape")) shape = cajal::Shape(info.at("input_shape").get<std::vector<int64_t>>());
    if (ids && info.is_object() && info.contains("data") && info.at("data").is_object() &&
        info.at("data").contains("seq_len"))
      shape = {info.at("data").at("seq_len").get<int64_t>()};
    if (!input->empty()) shape = cajal::cli::parse_input_shape(*input, "export", ids ? "64" : "1x28x28");
    cajal::Shape full{*batch};
    for (int64_t d : shape) full.push_back(d);
    cajal::Tensor example = ids ? cajal::zeros(full, cajal::DType::i64) : cajal::randn(full);

    cajal::onnx::ExportOptions opts;
    opts.opset = *opset;
    CAJAL_CHECK(!*dynamic_seq || ids, "export", "expected a language model for --dynamic-seq, got {} (task {})", name,
                spec.task);
    if (*dynamic_batch) opts.dynamic_input_dims[0] = "batch";
    if (*dynamic_seq) opts.dynamic_input_dims[1] = "seq";
    opts.dynamic_output_dims = opts.dynamic_input_dims;  // [B, ...] -> [B, classes]; ids [B, T] -> [B, T, V]
    cajal::onnx::export_module(target, example, *onnx_path, opts);

    cajal::NoGradGuard no_grad;
    cajal::nn::EvalModeGuard eval_mode(target);
    auto reloaded = cajal::onnx::load(*onnx_path);
    const cajal::Tensor want = cajal::nn::as_unary(target, "export").forward(example);
    const cajal::Tensor got = reloaded->forward(example);
    const std::string what = module->empty() ? name : name + ": " + *module;
    fmt::print("{} ({}) -> {}: ONNX opset {}, {} nodes, input {} -> output {}\n", *ckpt, what, *onnx_path, *opset,
               reloaded->op_types().size(), cajal::shape_str(example.shape()), cajal::shape_str(got.shape()));
    fmt::print("re-imported and run on the same input: max |onnx - cajal| = {:.3g}\n", max_abs_diff(want, got));
    if (*dynamic_batch) fmt::print("batch dim symbolic ('batch'): checked on a batch of {} too\n", *batch > 1 ? *batch - 1 : 2);
    if (*dynamic_seq) {
      const int64_t T = example.size(1);
      fmt::print("sequence dim symbolic ('seq'): checked on a length of {} too\n", T > 1 ? T - 1 : 2);
    }
  });
});

}  // namespace
