// `cajal summary MODEL [--model-config JSON] [--input CxHxW] [--batch N] [--json]`: one row per
// layer of a zoo model (name, type, output shape, parameters, multiply-accumulates) and the totals,
// from one forward on zeros (cajal/models/summary.h).
#include <fmt/format.h>

#include <iostream>

#include "cajal/core/error.h"
#include "cli_options.h"
#include "cajal/models/registry.h"
#include "cajal/models/summary.h"
#include "cajal/tools_registry.h"

namespace {

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("summary", "Per-layer output shapes, parameters and multiply-accumulates of a model");
  auto name = std::make_shared<std::string>();
  auto model_config = std::make_shared<std::string>();
  auto input = std::make_shared<std::string>();
  auto batch = std::make_shared<int64_t>(1);
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("model", *name, "A registered model (cajal train --help lists them), e.g. resnet18")->required();
  cmd->add_option("--model-config", *model_config, "JSON overriding the model's defaults, e.g. '{\"num_classes\":10}'");
  cmd->add_option("--input", *input, "One example's shape, CxHxW (default: the model's, e.g. 3x224x224)");
  cmd->add_option("--batch", *batch, "Examples in the traced forward (MACs are for the whole batch)");
  cmd->add_flag("--json", *as_json, "Print the summary as one JSON document");
  cmd->callback([name, model_config, input, batch, as_json] {
    const auto& spec = cajal::models::find_model(*name);
    const nlohmann::json cfg = model_config->empty() ? nlohmann::json::object() : nlohmann::json::parse(*model_config);
    auto model = cajal::models::build_model(*name, cfg);
    const cajal::Shape shape = input->empty() ? spec.input_shape : cajal::cli::parse_input_shape(*input, "summary", "3x224x224");
    auto s = cajal::models::summary::summarize(*model, shape, *batch, *name);
    if (*as_json)
      std::cout << cajal::models::summary::to_json(s).dump(2) << "\n";
    else
      std::cout << cajal::models::summary::to_string(s);
  });
});

}  // namespace
