// Optimizer base: parameter bookkeeping, zero_grad, and the state_dict format shared by every
// optimizer. The convention a reader must know: a parameter's index counts across groups in
// order, and that index is what names its state ("state.<index>.<buffer>").
#include "cajal/optim/optimizer.h"

#include <charconv>
#include <set>

#include "cajal/ops/ops.h"

namespace cajal::optim {

using nlohmann::json;

void Optimizer::add_params(const std::vector<Tensor>& params) {
  const char* op = name();
  std::set<const TensorImpl*> seen;
  for (const Tensor& p : params_) seen.insert(p.impl());
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    const size_t index = params_.size() + i;
    CAJAL_CHECK(p.defined(), op, "parameter {} is an undefined tensor", index);
    CAJAL_CHECK_TYPE(p.is_floating_point(), op, "parameter {} must be float32 or float64, got {}", index,
                     dtype_name(p.dtype()));
    CAJAL_CHECK(p.is_leaf(), op, "can't optimize a non-leaf tensor (parameter {}, shape {})", index,
                shape_str(p.shape()));
    // NB: updates are flat loops over the parameter's memory, so it must be one dense block.
    CAJAL_CHECK(p.is_contiguous(), op, "parameter {} must be contiguous, got shape {} with strides {}", index,
                shape_str(p.shape()), shape_str(p.strides()));
    CAJAL_CHECK(seen.insert(p.impl()).second, op,
                "parameter {} (shape {}) appears more than once; a tensor may belong to one group only", index,
                shape_str(p.shape()));
  }
  params_.insert(params_.end(), params.begin(), params.end());
  state_.resize(params_.size());
  group_begin_.push_back(params_.size());
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

size_t Optimizer::checked_group(size_t group) const {
  CAJAL_CHECK_INDEX(group < num_param_groups(), name(), "param group {} out of range ({} groups)", group,
                    num_param_groups());
  return group;
}

std::span<const Tensor> Optimizer::params(size_t group) const {
  checked_group(group);
  return {params_.data() + group_begin_[group], group_begin_[group + 1] - group_begin_[group]};
}

int64_t Optimizer::step_count(size_t param_index) const {
  CAJAL_CHECK_INDEX(param_index < params_.size(), name(), "parameter index {} out of range ({} parameters)",
                    param_index, params_.size());
  return state_[param_index].step;
}

Tensor Optimizer::state_buffer(size_t param_index, std::string_view buffer) const {
  CAJAL_CHECK_INDEX(param_index < params_.size(), name(), "parameter index {} out of range ({} parameters)",
                    param_index, params_.size());
  auto names = buffer_names();
  for (size_t k = 0; k < names.size(); ++k)
    if (buffer == names[k]) return state_[param_index].buffers[k];
  CAJAL_FAIL(Value, name(), "unknown state buffer '{}'", buffer);
}

StateBundle Optimizer::state_dict() const {
  StateBundle out;
  auto names = buffer_names();
  json groups = json::array();
  for (size_t g = 0; g < num_param_groups(); ++g) {
    json j = group_options_json(g);
    json indices = json::array();
    for (size_t i = group_begin_[g]; i < group_begin_[g + 1]; ++i) indices.push_back(i);
    j["params"] = std::move(indices);
    groups.push_back(std::move(j));
  }
  json state = json::object();
  for (size_t i = 0; i < params_.size(); ++i) {
    const ParamState& st = state_[i];
    if (st.step == 0) continue;
    state[std::to_string(i)] = json{{"step", st.step}};
    for (size_t k = 0; k < names.size(); ++k)
      if (st.buffers[k].defined()) out.tensors.emplace_back(fmt::format("state.{}.{}", i, names[k]), st.buffers[k]);
  }
  out.meta["optimizer"] = name();
  out.meta["param_groups"] = std::move(groups);
  out.meta["state"] = std::move(state);
  return out;
}

namespace {
// Parses "state.<index>.<buffer>" into (index, buffer); false when the name has another form.
bool parse_state_name(const std::string& s, size_t& index, std::string& buffer) {
  constexpr std::string_view prefix = "state.";
  if (s.compare(0, prefix.size(), prefix) != 0) return false;
  const char* begin = s.data() + prefix.size();
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(begin, end, index);
  if (ec != std::errc() || ptr == begin || ptr == end || *ptr != '.') return false;
  buffer.assign(ptr + 1, end);
  return !buffer.empty();
}
}  // namespace

void Optimizer::load_state_dict(const StateBundle& state) {
  const std::string op = std::string(name()) + ".load_state_dict";
  const json& meta = state.meta;
  auto names = buffer_names();

  // 1. Structure: same optimizer, same groups, same parameter counts.
  CAJAL_CHECK(meta.is_object() && meta.contains("optimizer") && meta.contains("param_groups"), op,
              "expected meta with 'optimizer' and 'param_groups', got {}", meta.dump().substr(0, 200));
  const std::string saved_by = meta["optimizer"].is_string() ? meta["optimizer"].get<std::string>() : "?";
  CAJAL_CHECK(saved_by == name(), op, "the state was saved by {}, this optimizer is {}", saved_by, name());
  const json& groups = meta["param_groups"];
  CAJAL_CHECK(groups.is_array(), op, "'param_groups' must be a list, got {}", groups.type_name());
  CAJAL_CHECK(groups.size() == num_param_groups(), op, "the state has {} parameter groups, this optimizer has {}",
              groups.size(), num_param_groups());
  size_t saved_total = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    CAJAL_CHECK(groups[g].is_object(), op, "param group {} must be an object, got {}", g, groups[g].type_name());
    const json& ids = groups[g].contains("params") ? groups[g]["params"] : json();
    CAJAL_CHECK(ids.is_array(), op, "param group {} lacks its 'params' list", g);
    const size_t have = group_begin_[g + 1] - group_begin_[g];
    CAJAL_CHECK(ids.size() == have, op, "param group {} has {} parameters in the state, {} in this optimizer", g,
                ids.size(), have);
    saved_total += ids.size();
  }
  CAJAL_CHECK(saved_total == params_.size(), op, "the state has {} parameters, this optimizer has {}", saved_total,
              params_.size());

  // 2. Step counts.
  std::vector<int64_t> steps(params_.size(), 0);
  if (meta.contains("state")) {
    CAJAL_CHECK(meta["state"].is_object(), op, "'state' must be an object, got {}", meta["state"].type_name());
    for (const auto& [key, value] : meta["state"].items()) {
      size_t i = 0;
      auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), i);
      CAJAL_CHECK(ec == std::errc() && ptr == key.data() + key.size() && i < params_.size(), op,
                  "state entry '{}' does not name one of the {} parameters", key, params_.size());
      CAJAL_CHECK(value.contains("step") && value["step"].is_number_integer() && value["step"].get<int64_t>() >= 0, op,
                  "state of parameter {} needs a non-negative integer 'step', got {}", i, value.dump());
      steps[i] = value["step"].get<int64_t>();
    }
  }

  // 3. Tensors: known names, matching shapes, floating dtype.
  std::vector<std::array<const Tensor*, kMaxBuffers>> loaded(params_.size());
  for (auto& l : loaded) l.fill(nullptr);
  for (const auto& [tensor_name, t] : state.tensors) {
    size_t i = 0;
    std::string buffer;
    CAJAL_CHECK(parse_state_name(tensor_name, i, buffer), op,
                "unexpected tensor '{}' (expected state.<index>.<buffer>)", tensor_name);
    CAJAL_CHECK(i < params_.size(), op, "tensor '{}' refers to parameter {}, this optimizer has {} parameters",
                tensor_name, i, params_.size());
    size_t k = 0;
    while (k < names.size() && buffer != names[k]) ++k;
    CAJAL_CHECK(k < names.size(), op, "tensor '{}': {} keeps no buffer named '{}' (it has {})", tensor_name, name(),
                buffer, fmt::join(names, ", "));
    CAJAL_CHECK(t.defined() && t.shape() == params_[i].shape(), op,
                "tensor '{}' has shape {}, parameter {} has shape {}", tensor_name,
                t.defined() ? shape_str(t.shape()) : "(undefined)", i, shape_str(params_[i].shape()));
    CAJAL_CHECK_TYPE(t.is_floating_point(), op, "tensor '{}' must be float32 or float64, got {}", tensor_name,
                     dtype_name(t.dtype()));
    CAJAL_CHECK(steps[i] > 0, op, "tensor '{}' belongs to parameter {}, which has no step count in the state",
                tensor_name, i);
    loaded[i][k] = &t;
  }

  // 4. Hyper-parameters (parsed and validated before applying), then the buffers they need.
  std::vector<json> old_options, new_options;
  for (size_t g = 0; g < num_param_groups(); ++g) {
    old_options.push_back(group_options_json(g));
    json j = groups[g];
    j.erase("params");
    new_options.push_back(std::move(j));
  }
  load_group_options(new_options);
  for (size_t g = 0; g < num_param_groups(); ++g)
    for (size_t i = group_begin_[g]; i < group_begin_[g + 1]; ++i)
      for (size_t k = 0; k < names.size(); ++k)
        if (steps[i] > 0 && group_uses_buffer(g, int(k)) && !loaded[i][k]) {
          load_group_options(old_options);  // leave the optimizer as it was
          CAJAL_FAIL(Value, op, "the state of parameter {} (step {}) lacks 'state.{}.{}', which its options need", i,
                     steps[i], i, names[k]);
        }

  // 5. Apply: copy into this optimizer's own buffers (reused when they exist).
  for (size_t i = 0; i < params_.size(); ++i) {
    ParamState& st = state_[i];
    st.step = steps[i];
    for (size_t k = 0; k < names.size(); ++k) {
      Tensor& buf = st.buffers[k];
      if (!loaded[i][k]) {
        buf = Tensor();
        continue;
      }
      if (!buf.defined()) buf = empty(params_[i].shape(), params_[i].dtype());
      buf.copy_(*loaded[i][k]);
    }
  }
}

namespace detail {

Tensor dense_grad(const Tensor& p, const Tensor& grad, const char* op) {
  CAJAL_CHECK(grad.shape() == p.shape(), op, "gradient of shape {} for a parameter of shape {}",
              shape_str(grad.shape()), shape_str(p.shape()));
  if (grad.dtype() == p.dtype() && grad.is_contiguous()) return grad;
  // NB: a gradient of another dtype, or a strided one set by a hook, costs one copy per step.
  return grad.to(p.dtype()).contiguous();
}

void fill_buffer(Tensor& buf, const Tensor& like, double value) {
  buf = empty(like.shape(), like.dtype());
  buf.fill_(value);
}

void check_option(bool ok, const char* op, const char* option, double value, const char* expected) {
  CAJAL_CHECK(ok, op, "invalid {}: {} (expected {})", option, value, expected);
}

}  // namespace detail
}  // namespace cajal::optim
