// Optimizer: what every optimizer shares — parameter groups with their own hyper-parameters,
// per-parameter state (a step count and named buffers), zero_grad, and state_dict /
// load_state_dict (what a checkpoint stores, so that a resumed run continues bit-identically).
//
// Convention (torch.optim's): parameters are numbered 0, 1, 2, ... across the groups in order, and
// their state tensors are named "state.<param index>.<buffer>" with torch's buffer names
// ("state.3.exp_avg"). step() updates, in place and under no autograd record, every parameter that
// has a .grad and skips the others (their step count does not advance).
//
// Use:
//   optim::Adam opt(model_params, {.lr = 1e-3, .weight_decay = 0.0});
//   loss.backward(); opt.step(); opt.zero_grad();
//   // two groups with their own options:
//   optim::SGD sgd({{weights, {.lr = 0.1, .momentum = 0.9}}, {biases, {.lr = 0.2}}});
#pragma once
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cajal/core/state_dict.h"
#include "cajal/core/tensor.h"

namespace cajal::optim {

// A set of parameters that share hyper-parameters. Options is the optimizer's options struct
// (SGDOptions, AdamOptions, ...); every one has a field `lr`.
template <class Options>
struct ParamGroup {
  std::vector<Tensor> params;
  Options options;
};

// The state of one parameter: how many steps it has taken and up to kMaxBuffers buffers of its
// shape and dtype, indexed like the optimizer's buffer_names(). Buffers are created (contiguous)
// on the parameter's first step, so a step at steady state allocates nothing.
constexpr int kMaxBuffers = 3;
struct ParamState {
  int64_t step = 0;
  std::array<Tensor, kMaxBuffers> buffers;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  virtual const char* name() const = 0;  // "Adam", as written in state_dict meta

  // One update of every parameter that has a gradient.
  virtual void step() = 0;
  // Drops every parameter's .grad (PyTorch's zero_grad(set_to_none=True)).
  void zero_grad();

  size_t num_param_groups() const { return group_begin_.size() - 1; }
  // The parameters of one group / of all groups, in state-index order.
  std::span<const Tensor> params(size_t group) const;
  const std::vector<Tensor>& parameters() const { return params_; }

  // The learning rate of a group: what LR schedules read and write.
  virtual double lr(size_t group) const = 0;
  virtual void set_lr(size_t group, double lr) = 0;

  // Per-parameter state, for inspection and tests. param_index counts across groups.
  int64_t step_count(size_t param_index) const;
  // The named buffer of a parameter, undefined when it does not exist (yet).
  Tensor state_buffer(size_t param_index, std::string_view buffer) const;
  // The buffer names this optimizer may keep per parameter (torch's names).
  virtual std::span<const char* const> buffer_names() const = 0;

  // Tensors "state.<i>.<buffer>" alias the live buffers (clone them to keep a snapshot).
  // meta = {"optimizer": name, "param_groups": [{"params": [0, 1], "lr": ..., <options>}, ...],
  //         "state": {"<i>": {"step": n}, ...}} (only parameters that have taken a step).
  StateBundle state_dict() const;
  // Restores hyper-parameters, step counts and buffers (copied, converted to each parameter's
  // dtype). Everything is validated before anything changes: a state saved by another optimizer
  // type, a different number of groups or parameters, a buffer whose shape differs from its
  // parameter's, an unknown tensor name, or a stepped parameter lacking a buffer its options need
  // throws cajal::Error naming them, and leaves this optimizer as it was.
  void load_state_dict(const StateBundle& state);

 protected:
  Optimizer() = default;
  // Appends a group's parameters (checked: floating, contiguous, not already present).
  void add_params(const std::vector<Tensor>& params);
  // Returns group, or throws an IndexError naming the optimizer.
  size_t checked_group(size_t group) const;

  // Derived classes describe their hyper-parameters as JSON and read them back (parsed and
  // validated for every group before any is applied).
  virtual nlohmann::json group_options_json(size_t group) const = 0;
  virtual void load_group_options(const std::vector<nlohmann::json>& groups) = 0;
  // Whether a parameter of `group` keeps buffer k with the group's current options.
  virtual bool group_uses_buffer(size_t group, int k) const = 0;

  std::vector<Tensor> params_;
  std::vector<size_t> group_begin_{0};  // group g holds params_[group_begin_[g], group_begin_[g+1])
  std::vector<ParamState> state_;       // one per parameter
};

namespace detail {
// The gradient of p as a contiguous tensor of p's dtype (the .grad itself in the usual case).
Tensor dense_grad(const Tensor& p, const Tensor& grad, const char* op);
// Creates the buffers of `st` that `uses(k)` asks for and that do not exist yet, filled with
// init(k). Returns a bit mask of the buffers created now.
template <class Uses, class Init>
unsigned ensure_buffers(const Tensor& p, ParamState& st, Uses uses, Init init);
void fill_buffer(Tensor& buf, const Tensor& like, double value);
// Throws "<op>: invalid <option>: <value> (expected <expected>)" unless ok (torch's messages).
void check_option(bool ok, const char* op, const char* option, double value, const char* expected);
}  // namespace detail

// The shared implementation of an optimizer whose groups carry an `Options` struct.
// Derived classes provide the per-parameter update (one fused loop) and the options' checks.
// Options must be convertible to/from nlohmann::json (NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE).
template <class Options>
class OptimizerWith : public Optimizer {
 public:
  const Options& options(size_t group) const { return groups_[checked_group(group)]; }
  // Mutable: hyper-parameters may change between steps (the next step uses the new values).
  Options& options(size_t group) { return groups_[checked_group(group)]; }

  void add_param_group(const ParamGroup<Options>& group) {
    validate(group.options);
    add_params(group.params);
    groups_.push_back(group.options);
  }

  double lr(size_t group) const override { return groups_[checked_group(group)].lr; }
  void set_lr(size_t group, double lr) override {
    Options o = groups_[checked_group(group)];
    o.lr = lr;
    validate(o);
    groups_[group] = o;
  }

  void step() override {
    for (size_t g = 0; g < groups_.size(); ++g) {
      const Options& o = groups_[g];
      for (size_t i = group_begin_[g]; i < group_begin_[g + 1]; ++i) {
        Tensor& p = params_[i];
        Tensor grad = p.grad();
        if (!grad.defined()) continue;
        grad = detail::dense_grad(p, grad, name());
        ParamState& st = state_[i];
        unsigned fresh = detail::ensure_buffers(
            p, st, [&](int k) { return uses_buffer(o, k); }, [&](int k) { return buffer_init(o, k); });
        ++st.step;
        update(o, p, grad, st, fresh);
        p.storage()->bump_version();  // autograd's saved copies of p are now stale
      }
    }
  }

 protected:
  // For constructors: adds the groups; an optimizer needs at least one parameter (torch's rule).
  void add_param_groups(const std::vector<ParamGroup<Options>>& groups) {
    for (const auto& g : groups) add_param_group(g);
    CAJAL_CHECK(!params_.empty(), name(), "got an empty parameter list");
  }
  // Throws cajal::Error naming the optimizer and the bad hyper-parameter.
  virtual void validate(const Options& o) const = 0;
  // Updates p in place from its dense gradient; st.step is already the 1-based step number.
  // `fresh` has bit k set when buffer k was created (zero-filled) for this step.
  virtual void update(const Options& o, Tensor& p, const Tensor& grad, ParamState& st, unsigned fresh) = 0;
  virtual bool uses_buffer(const Options& o, int k) const = 0;
  virtual double buffer_init(const Options& o, int k) const { return 0.0; }

  bool group_uses_buffer(size_t group, int k) const final { return uses_buffer(groups_[group], k); }
  nlohmann::json group_options_json(size_t group) const final { return nlohmann::json(groups_[group]); }
  void load_group_options(const std::vector<nlohmann::json>& groups) final {
    std::vector<Options> parsed;
    for (size_t g = 0; g < groups.size(); ++g) {
      Options o;
      try {
        o = groups[g].get<Options>();
      } catch (const nlohmann::json::exception& e) {
        CAJAL_FAIL(Value, std::string(name()) + ".load_state_dict", "param group {} has bad options: {}", g, e.what());
      }
      validate(o);
      parsed.push_back(o);
    }
    groups_ = std::move(parsed);
  }

  std::vector<Options> groups_;
};

template <class Uses, class Init>
unsigned detail::ensure_buffers(const Tensor& p, ParamState& st, Uses uses, Init init) {
  unsigned fresh = 0;
  for (int k = 0; k < kMaxBuffers; ++k) {
    if (st.buffers[k].defined() || !uses(k)) continue;
    fill_buffer(st.buffers[k], p, init(k));
    fresh |= 1u << k;
  }
  return fresh;
}

}  // namespace cajal::optim
