// Optimizers: 3-step trajectories against a scalar re-implementation of torch's documented update
// rules and against PyTorch's numbers; state_dict round trips (bit-identical continuation); no
// allocation at steady state; thread-count independence; argument and state validation.
//
// The test problem: two float64 parameters p (shapes [3] and [2, 2]) with the gradient of a
// quadratic loss, g = w * p + b elementwise, recomputed before every step.
#include <cmath>
#include <functional>
#include <memory>

#include "cajal/optim/optim.h"
#include "support/test_support.h"

using namespace cajal;
using Vec = std::vector<double>;

namespace {

const Vec kP0 = {0.5, -1.2, 2.0, 0.3, -0.7, 1.1, 0.05};
const Vec kW = {1.0, 2.0, 0.5, 0.8, 1.5, 3.0, 0.2};
const Vec kB = {0.1, -0.3, 0.2, -0.4, 0.0, 0.25, 1.0};

std::vector<Tensor> make_params(DType dtype = DType::f64) {
  Tensor a = from_vector(Vec(kP0.begin(), kP0.begin() + 3), {3}, dtype);
  Tensor b = from_vector(Vec(kP0.begin() + 3, kP0.end()), {2, 2}, dtype);
  a.requires_grad_();
  b.requires_grad_();
  return {a, b};
}

Vec flat_values(const std::vector<Tensor>& ps) {
  Vec out;
  for (const Tensor& p : ps)
    for (double v : p.to_vector<double>()) out.push_back(v);
  return out;
}

Vec quadratic_grad(const Vec& p) {
  Vec g(p.size());
  for (size_t i = 0; i < p.size(); ++i) g[i] = kW[i] * p[i] + kB[i];
  return g;
}

// Sets every parameter's .grad to w * p + b (in the parameter's dtype).
void set_quadratic_grads(std::vector<Tensor>& ps) {
  Vec g = quadratic_grad(flat_values(ps));
  size_t at = 0;
  for (Tensor& p : ps) {
    Vec part(g.begin() + at, g.begin() + at + p.numel());
    at += p.numel();
    p.set_grad(from_vector(part, p.shape(), p.dtype()));
  }
}

// ---------------------------------------------------------------- scalar reference
// Each is written from the algorithm boxes of the torch 1.13 documentation, one element at a time.
struct RefState {
  Vec a, b, c;  // the optimizer's buffers, sized on the first step
};
using RefStep = std::function<void(Vec& p, Vec g, int t, RefState& s)>;

RefStep ref_sgd(double lr, double mu, double damp, double wd, bool nesterov) {
  return [=](Vec& p, Vec g, int t, RefState& s) {
    s.a.resize(p.size());
    for (size_t i = 0; i < p.size(); ++i) {
      double d = g[i] + wd * p[i];
      if (mu != 0) {
        s.a[i] = t == 1 ? d : mu * s.a[i] + (1 - damp) * d;
        d = nesterov ? d + mu * s.a[i] : s.a[i];
      }
      p[i] -= lr * d;
    }
  };
}

RefStep ref_adagrad(double lr, double lr_decay, double wd, double init, double eps) {
  return [=](Vec& p, Vec g, int t, RefState& s) {
    if (t == 1) s.a.assign(p.size(), init);
    const double clr = lr / (1 + (t - 1) * lr_decay);
    for (size_t i = 0; i < p.size(); ++i) {
      g[i] += wd * p[i];
      s.a[i] += g[i] * g[i];
      p[i] -= clr * g[i] / (std::sqrt(s.a[i]) + eps);
    }
  };
}

RefStep ref_rmsprop(double lr, double alpha, double eps, double wd, double mu, bool centered) {
  return [=](Vec& p, Vec g, int t, RefState& s) {
    s.a.resize(p.size());  // square_avg
    s.b.resize(p.size());  // momentum buffer
    s.c.resize(p.size());  // grad_avg
    for (size_t i = 0; i < p.size(); ++i) {
      g[i] += wd * p[i];
      s.a[i] = alpha * s.a[i] + (1 - alpha) * g[i] * g[i];
      double v = s.a[i];
      if (centered) {
        s.c[i] = alpha * s.c[i] + (1 - alpha) * g[i];
        v -= s.c[i] * s.c[i];
      }
      if (mu > 0) {
        s.b[i] = mu * s.b[i] + g[i] / (std::sqrt(v) + eps);
        p[i] -= lr * s.b[i];
      } else {
        p[i] -= lr * g[i] / (std::sqrt(v) + eps);
      }
    }
  };
}

// NB: torch 1.13's docs take the AMSGrad max over the bias-corrected v_hat; its code takes the max
// over the raw v and bias-corrects that (the 2.x docs say so). We follow the code.
RefStep ref_adam(double lr, double b1, double b2, double eps, double wd, bool amsgrad, bool decoupled) {
  return [=](Vec& p, Vec g, int t, RefState& s) {
    s.a.resize(p.size());  // m
    s.b.resize(p.size());  // v
    s.c.resize(p.size());  // v_max
    for (size_t i = 0; i < p.size(); ++i) {
      if (decoupled)
        p[i] *= 1 - lr * wd;
      else
        g[i] += wd * p[i];
      s.a[i] = b1 * s.a[i] + (1 - b1) * g[i];
      s.b[i] = b2 * s.b[i] + (1 - b2) * g[i] * g[i];
      s.c[i] = std::max(s.c[i], s.b[i]);
      const double m_hat = s.a[i] / (1 - std::pow(b1, t));
      const double v_hat = (amsgrad ? s.c[i] : s.b[i]) / (1 - std::pow(b2, t));
      p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  };
}

using Factory = std::function<std::unique_ptr<optim::Optimizer>(const std::vector<Tensor>&)>;

struct Case {
  const char* name;
  Factory make;
  RefStep ref;
  Vec torch_after_3;  // PyTorch's parameters after 3 steps (float64)
};

// torch values: /usr/bin/python3 with torch 1.13, the same problem, e.g. for sgd_momentum
//   ps = [torch.tensor(x, requires_grad=True) for x in P0]; opt = torch.optim.SGD(ps, lr=0.05,
//   momentum=0.9, dampening=0.1, weight_decay=0.01); 3x { p.grad = w * p + b; opt.step() }
//   print(repr(v) for every parameter value)
const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"sgd_plain",
       [](const auto& ps) { return std::make_unique<optim::SGD>(ps, optim::SGDOptions{.lr = 0.1}); },
       ref_sgd(0.1, 0, 0, 0, false),
       {0.33740000000000003, -0.5412, 1.6576999999999997, 0.3442624, -0.4298874999999999, 0.32255,
        -0.24698040000000002}},
      {"sgd_momentum",
       [](const auto& ps) {
         return std::make_unique<optim::SGD>(
             ps, optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01});
       },
       ref_sgd(0.05, 0.9, 0.1, 0.01, false),
       {0.345469366249375, -0.535144222941, 1.6820276361475, 0.340427606779625, -0.435472421097875, 0.262856670369875,
        -0.21655344413381253}},
      {"sgd_nesterov",
       [](const auto& ps) {
         return std::make_unique<optim::SGD>(
             ps, optim::SGDOptions{.lr = 0.1, .momentum = 0.8, .weight_decay = 0.02, .nesterov = true});
       },
       ref_sgd(0.1, 0.8, 0, 0.02, true),
       {0.13240008419199997, 0.16230534078720005, 1.1837673057279998, 0.3961767940672, -0.11489634222079999,
        -0.36189591164160007, -0.6506527929568}},
      {"adagrad",
       [](const auto& ps) {
         return std::make_unique<optim::Adagrad>(
             ps,
             optim::AdagradOptions{
                 .lr = 0.1, .lr_decay = 0.05, .weight_decay = 0.01, .initial_accumulator_value = 0.1, .eps = 1e-10});
       },
       ref_adagrad(0.1, 0.05, 0.01, 0.1, 1e-10),
       {0.31110922139267855, -0.9870624893136416, 1.7882368403878377, 0.39798263849447624, -0.4982919974182862,
        0.8875294367921249, -0.16129114183932058}},
      {"rmsprop_plain",
       [](const auto& ps) {
         return std::make_unique<optim::RMSprop>(ps, optim::RMSpropOptions{.lr = 0.01, .alpha = 0.9});
       },
       ref_rmsprop(0.01, 0.9, 1e-8, 0, 0, false),
       {0.4276313757819773, -1.126834117579229, 1.9265649474272946, 0.36912820245072847, -0.6274223104745461,
        1.0269218462472025, -0.023613836108894292}},
      {"rmsprop_centered_momentum",
       [](const auto& ps) {
         return std::make_unique<optim::RMSprop>(
             ps,
             optim::RMSpropOptions{.lr = 0.01, .alpha = 0.95, .weight_decay = 0.01, .momentum = 0.5, .centered = true});
       },
       ref_rmsprop(0.01, 0.95, 1e-8, 0.01, 0.5, true),
       {0.345264747452815, -1.0425403592038118, 1.8416502027006103, 0.44202313505699337, -0.5445333738964004,
        0.9428334396120196, -0.10891347801490549}},
      {"adam",
       [](const auto& ps) {
         return std::make_unique<optim::Adam>(
             ps, optim::AdamOptions{.lr = 0.01, .betas = {0.9, 0.99}, .weight_decay = 0.02});
       },
       ref_adam(0.01, 0.9, 0.99, 1e-8, 0.02, false, false),
       {0.4700161144520096, -1.1700067642024032, 1.9700037520026494, 0.3299371171504073, -0.6700135723783911,
        1.070007759997021, 0.020001923465553777}},
      // betas[1] = 0.5 and lr = 0.5 make v shrink, so v_max differs from v on every element (checked in torch).
      {"adam_amsgrad",
       [](const auto& ps) {
         return std::make_unique<optim::Adam>(ps, optim::AdamOptions{.lr = 0.5, .betas = {0.9, 0.5}, .amsgrad = true});
       },
       ref_adam(0.5, 0.9, 0.5, 1e-8, 0, true, false),
       {-0.47892797917101126, 0.1935522091925922, 0.5034507201130098, 0.4689530531866363, 0.3791041828647925,
        -0.2434625269986897, -1.4728395625031905}},
      {"adamw",
       [](const auto& ps) {
         return std::make_unique<optim::AdamW>(ps, optim::AdamWOptions{.lr = 0.01, .weight_decay = 0.1});
       },
       ref_adam(0.01, 0.9, 0.999, 1e-8, 0.1, false, true),
       {0.4685498905472318, -1.1664418836575947, 1.9640408965801663, 0.3290109402517153, -0.6679479699609202,
        1.0667427238709466, 0.019882061184711815}},
      {"adamw_amsgrad",
       [](const auto& ps) {
         return std::make_unique<optim::AdamW>(
             ps, optim::AdamWOptions{.lr = 0.5, .betas = {0.8, 0.5}, .weight_decay = 0.05, .amsgrad = true});
       },
       ref_adam(0.5, 0.8, 0.5, 1e-8, 0.05, true, true),
       {-0.42502888139693606, 0.20028580499805637, 0.4139379359133829, 0.4178938115825447, 0.3375441320810423,
        -0.2400690316819032, -1.4337649481750778}},
  };
  return all;
}

::testing::AssertionResult vectors_close(const Vec& actual, const Vec& expected, double tol) {
  if (actual.size() != expected.size()) return ::testing::AssertionFailure() << "sizes differ";
  for (size_t i = 0; i < actual.size(); ++i)
    if (!(std::abs(actual[i] - expected[i]) <= tol * (1 + std::abs(expected[i]))))
      return ::testing::AssertionFailure() << "element " << i << ": got " << actual[i] << ", expected " << expected[i]
                                           << " (diff " << actual[i] - expected[i] << ")";
  return ::testing::AssertionSuccess();
}

}  // namespace

TEST(Optim, TrajectoriesMatchTheDocumentedFormulasAndTorch) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    std::vector<Tensor> ps = make_params();
    auto opt = c.make(ps);
    Vec ref_p = kP0;
    RefState ref_state;
    for (int t = 1; t <= 3; ++t) {
      set_quadratic_grads(ps);
      opt->step();
      c.ref(ref_p, quadratic_grad(ref_p), t, ref_state);
      EXPECT_TRUE(vectors_close(flat_values(ps), ref_p, 1e-13)) << "step " << t;
      EXPECT_EQ(opt->step_count(0), t);
    }
    EXPECT_TRUE(vectors_close(flat_values(ps), c.torch_after_3, 1e-12));
    // The trajectory moved: a test that passes with a no-op optimizer would be worthless.
    EXPECT_FALSE(vectors_close(flat_values(ps), kP0, 1e-3));
  }
}

TEST(Optim, Float32FollowsTheFloat64Trajectory) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    std::vector<Tensor> ps = make_params(DType::f32);
    auto opt = c.make(ps);
    for (int t = 1; t <= 3; ++t) {
      set_quadratic_grads(ps);
      opt->step();
    }
    EXPECT_EQ(ps[0].dtype(), DType::f32);
    EXPECT_TRUE(vectors_close(flat_values(ps), c.torch_after_3, 2e-5));
  }
}

TEST(Optim, StateDictRoundTripContinuesBitIdentically) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    std::vector<Tensor> pa = make_params();
    auto a = c.make(pa);
    for (int t = 0; t < 2; ++t) {
      set_quadratic_grads(pa);
      a->step();
    }
    // What a checkpoint does: meta through JSON text, tensors copied.
    StateBundle saved = a->state_dict();
    StateBundle loaded;
    loaded.meta = nlohmann::json::parse(saved.meta.dump());
    for (const auto& [name, t] : saved.tensors) loaded.tensors.emplace_back(name, t.clone());
    EXPECT_FALSE(loaded.tensors.empty() && std::string(c.name) != "sgd_plain");

    std::vector<Tensor> pb = {pa[0].detach().clone(), pa[1].detach().clone()};
    for (Tensor& p : pb) p.requires_grad_();
    auto b = c.make(pb);
    b->load_state_dict(loaded);
    EXPECT_EQ(b->step_count(1), 2);

    set_quadratic_grads(pa);
    set_quadratic_grads(pb);
    a->step();
    b->step();
    for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(equal(pa[i], pb[i])) << "parameter " << i;
    EXPECT_TRUE(vectors_close(flat_values(pb), c.torch_after_3, 1e-12));
  }
}

TEST(Optim, LoadStateDictRestoresHyperParameters) {
  std::vector<Tensor> pa = make_params();
  optim::Adam a(pa, {.lr = 0.01, .betas = {0.8, 0.9}, .weight_decay = 0.1, .amsgrad = true});
  set_quadratic_grads(pa);
  a.step();
  std::vector<Tensor> pb = make_params();
  optim::Adam b(pb, {.lr = 0.5});
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(b.lr(0), 0.01);
  EXPECT_EQ(b.options(0).betas[0], 0.8);
  EXPECT_EQ(b.options(0).weight_decay, 0.1);
  EXPECT_TRUE(b.options(0).amsgrad);
  EXPECT_TRUE(equal(b.state_buffer(1, "max_exp_avg_sq"), a.state_buffer(1, "max_exp_avg_sq")));
  // Loaded buffers are copies, not aliases of the state given.
  EXPECT_NE(b.state_buffer(0, "exp_avg").storage(), a.state_buffer(0, "exp_avg").storage());
}

TEST(Optim, StateDictLayout) {
  std::vector<Tensor> ps = make_params();
  optim::Adam opt(ps, {.lr = 0.01});
  set_quadratic_grads(ps);
  opt.step();
  StateBundle s = opt.state_dict();
  std::vector<std::string> names;
  for (const auto& [n, t] : s.tensors) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"state.0.exp_avg", "state.0.exp_avg_sq", "state.1.exp_avg",
                                             "state.1.exp_avg_sq"}));
  EXPECT_EQ(s.tensors[2].second.shape(), (Shape{2, 2}));
  EXPECT_EQ(s.meta["optimizer"], "Adam");
  EXPECT_EQ(s.meta["param_groups"][0]["params"], nlohmann::json({0, 1}));
  EXPECT_EQ(s.meta["param_groups"][0]["lr"], 0.01);
  EXPECT_EQ(s.meta["param_groups"][0]["betas"], nlohmann::json({0.9, 0.999}));
  EXPECT_EQ(s.meta["state"]["1"]["step"], 1);
  // m after one step is (1 - b1) g.
  Vec g = quadratic_grad(kP0);
  EXPECT_NEAR(s.tensors[0].second.to_vector<double>()[1], 0.1 * g[1], 1e-15);
}

TEST(Optim, ParametersWithoutGradAreSkipped) {
  std::vector<Tensor> ps = make_params();
  optim::Adam opt(ps, {.lr = 0.1});
  ps[0].set_grad(ones({3}, DType::f64));
  opt.step();
  EXPECT_EQ(opt.step_count(0), 1);
  EXPECT_EQ(opt.step_count(1), 0);
  EXPECT_EQ(ps[1].to_vector<double>(), Vec(kP0.begin() + 3, kP0.end()));
  EXPECT_NE(ps[0].to_vector<double>(), Vec(kP0.begin(), kP0.begin() + 3));
  EXPECT_FALSE(opt.state_buffer(1, "exp_avg").defined());
  EXPECT_EQ(opt.state_dict().tensors.size(), 2u);
  // Per-parameter step counts drive the bias correction: param 1's first step is t = 1.
  ps[1].set_grad(ones({2, 2}, DType::f64));
  opt.step();
  EXPECT_EQ(opt.step_count(0), 2);
  EXPECT_EQ(opt.step_count(1), 1);
  // t = 1 with g = 1: m_hat = 1, v_hat = 1, so p moves by lr / (1 + eps).
  EXPECT_NEAR(ps[1].to_vector<double>()[0], kP0[3] - 0.1 / (1 + 1e-8), 1e-15);
}

TEST(Optim, ZeroGradDropsGradients) {
  std::vector<Tensor> ps = make_params();
  optim::SGD opt(ps, {.lr = 0.1});
  set_quadratic_grads(ps);
  opt.zero_grad();
  EXPECT_FALSE(ps[0].grad().defined());
  EXPECT_FALSE(ps[1].grad().defined());
  opt.step();  // nothing to do
  EXPECT_EQ(flat_values(ps), kP0);
}

TEST(Optim, ParamGroupsHaveTheirOwnOptions) {
  std::vector<Tensor> ps = make_params();
  optim::SGD opt({{{ps[0]}, {.lr = 0.1, .momentum = 0.9}}, {{ps[1]}, {.lr = 0.01}}});
  EXPECT_EQ(opt.num_param_groups(), 2u);
  EXPECT_EQ(opt.params(1).size(), 1u);
  EXPECT_TRUE(opt.params(1)[0].is_same(ps[1]));
  Vec p0(kP0.begin(), kP0.begin() + 3), p1(kP0.begin() + 3, kP0.end());
  RefState s0, s1;
  auto ref0 = ref_sgd(0.1, 0.9, 0, 0, false), ref1 = ref_sgd(0.01, 0, 0, 0, false);
  for (int t = 1; t <= 2; ++t) {
    set_quadratic_grads(ps);
    opt.step();
    Vec both = p0;
    both.insert(both.end(), p1.begin(), p1.end());
    Vec g = quadratic_grad(both);
    ref0(p0, Vec(g.begin(), g.begin() + 3), t, s0);
    ref1(p1, Vec(g.begin() + 3, g.end()), t, s1);
  }
  EXPECT_TRUE(vectors_close(ps[0].to_vector<double>(), p0, 1e-14));
  EXPECT_TRUE(vectors_close(ps[1].to_vector<double>(), p1, 1e-14));
  EXPECT_TRUE(opt.state_buffer(0, "momentum_buffer").defined());
  EXPECT_FALSE(opt.state_buffer(1, "momentum_buffer").defined());
  opt.set_lr(1, 0.5);
  EXPECT_EQ(opt.lr(1), 0.5);
  EXPECT_EQ(opt.lr(0), 0.1);
  // add_param_group appends: the new tensor's state index is 2.
  Tensor extra = zeros({4}, DType::f64);
  extra.requires_grad_();
  opt.add_param_group({{extra}, {.lr = 1.0}});
  extra.set_grad(ones({4}, DType::f64));
  opt.step();
  EXPECT_EQ(extra.to_vector<double>(), Vec(4, -1.0));
  EXPECT_EQ(opt.step_count(2), 1);
}

TEST(Optim, SteadyStateStepAllocatesNothing) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    std::vector<Tensor> ps = make_params();
    auto opt = c.make(ps);
    set_quadratic_grads(ps);
    opt->step();  // creates the state buffers
    const uint64_t before = allocator::stats().requests;
    opt->step();
    opt->step();
    EXPECT_EQ(allocator::stats().requests, before);
  }
}

TEST(Optim, LargeParametersRunThreadedWithIdenticalResults) {
  // Above kParallelGrain the update splits over threads; elements are independent, so the result
  // must be bit-identical to the single-thread run, and agree with the scalar reference.
  const int64_t n = 3 * kParallelGrain + 5;
  Tensor init = uniform({n}, -1.0, 1.0, DType::f64);
  Tensor grad = uniform({n}, -1.0, 1.0, DType::f64);
  const int threads_before = get_num_threads();
  std::vector<Tensor> results;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Tensor p = init.clone();
    p.requires_grad_();
    optim::Adam opt({p}, {.lr = 0.01, .weight_decay = 0.01, .amsgrad = true});
    for (int t = 0; t < 3; ++t) {
      p.set_grad(grad);
      opt.step();
    }
    results.push_back(p.detach());
  }
  set_num_threads(threads_before);
  EXPECT_TRUE(equal(results[0], results[1]));
  Vec p = init.to_vector<double>(), g = grad.to_vector<double>(), expected = p;
  RefState s;
  auto ref = ref_adam(0.01, 0.9, 0.999, 1e-8, 0.01, true, false);
  for (int t = 1; t <= 3; ++t) ref(expected, g, t, s);
  EXPECT_TRUE(vectors_close(results[1].to_vector<double>(), expected, 1e-13));
}

TEST(Optim, UnusualGradientsAreConverted) {
  // A float32 gradient for a float64 parameter, and a transposed (strided) gradient.
  Tensor p = zeros({2, 3}, DType::f64);
  p.requires_grad_();
  optim::SGD opt({p}, {.lr = 1.0});
  p.set_grad(arange(6.0, DType::f32).reshape({3, 2}).t());
  opt.step();
  EXPECT_EQ(p.to_vector<double>(), (Vec{-0, -2, -4, -1, -3, -5}));
}

TEST(Optim, RejectsBadOptions) {
  std::vector<Tensor> ps = make_params();
  EXPECT_CAJAL_ERROR(optim::SGD(ps, {}), "SGD", "lr is required");
  EXPECT_CAJAL_ERROR(optim::SGD(ps, {.lr = -0.1}), "SGD", "invalid learning rate: -0.1");
  EXPECT_CAJAL_ERROR(optim::SGD(ps, {.lr = 0.1, .dampening = 0.1, .nesterov = true}), "SGD",
                     "Nesterov momentum requires a momentum and zero dampening");
  EXPECT_CAJAL_ERROR(optim::Adam(ps, {.betas = {0.9, 1.0}}), "Adam", "invalid beta parameter at index 1: 1",
                     "0 <= beta < 1");
  EXPECT_CAJAL_ERROR(optim::AdamW(ps, {.eps = -1}), "AdamW", "invalid epsilon value: -1");
  EXPECT_CAJAL_ERROR(optim::Adagrad(ps, {.lr_decay = -1}), "Adagrad", "invalid lr_decay value: -1");
  EXPECT_CAJAL_ERROR(optim::RMSprop(ps, {.alpha = -0.5}), "RMSprop", "invalid alpha value: -0.5");
  optim::Adam ok(ps);
  EXPECT_CAJAL_ERROR(ok.set_lr(0, -1.0), "Adam", "invalid learning rate: -1");
  EXPECT_CAJAL_ERROR(ok.lr(3), "Adam", "param group 3 out of range (1 groups)");
}

TEST(Optim, RejectsBadParameters) {
  Tensor w = zeros({3, 4}, DType::f64);
  w.requires_grad_();
  EXPECT_CAJAL_ERROR(optim::Adam({w, w}), "Adam", "parameter 1", "appears more than once");
  EXPECT_CAJAL_ERROR(optim::Adam(std::vector<Tensor>{}), "Adam", "got an empty parameter list");
  EXPECT_CAJAL_ERROR(optim::Adam({zeros({3}, DType::i64)}), "Adam", "parameter 0 must be float32 or float64", "int64");
  EXPECT_CAJAL_ERROR(optim::Adam({w, w.detach().t()}), "Adam", "parameter 1 must be contiguous", "[4, 3]");
  Tensor non_leaf = w * 2.0;
  EXPECT_CAJAL_ERROR(optim::SGD({non_leaf}, {.lr = 0.1}), "SGD", "non-leaf");
  optim::SGD opt({w}, {.lr = 0.1});
  EXPECT_CAJAL_ERROR(opt.add_param_group({{w}, {.lr = 0.1}}), "SGD", "parameter 1", "appears more than once");
  EXPECT_CAJAL_ERROR(opt.state_buffer(0, "exp_avg"), "SGD", "unknown state buffer 'exp_avg'");
}

TEST(Optim, LoadStateDictValidates) {
  std::vector<Tensor> ps = make_params();
  optim::Adam a(ps, {.lr = 0.01});
  set_quadratic_grads(ps);
  a.step();
  const StateBundle good = a.state_dict();

  optim::SGD sgd(make_params(), {.lr = 0.1});
  EXPECT_CAJAL_ERROR(sgd.load_state_dict(good), "SGD.load_state_dict", "saved by Adam", "this optimizer is SGD");

  std::vector<Tensor> one = {make_params()[0]};
  optim::Adam fewer(one);
  EXPECT_CAJAL_ERROR(fewer.load_state_dict(good), "Adam.load_state_dict",
                     "param group 0 has 2 parameters in the state, 1 in this optimizer");

  std::vector<Tensor> qs = make_params();
  optim::Adam two_groups({{{qs[0]}, {}}, {{qs[1]}, {}}});
  EXPECT_CAJAL_ERROR(two_groups.load_state_dict(good), "the state has 1 parameter groups, this optimizer has 2");

  // Parameter 1 with another shape.
  Tensor a0 = make_params()[0], other = zeros({4}, DType::f64);
  other.requires_grad_();
  optim::Adam reshaped({a0, other}, {.lr = 0.3});
  EXPECT_CAJAL_ERROR(reshaped.load_state_dict(good), "tensor 'state.1.exp_avg' has shape [2, 2]",
                     "parameter 1 has shape [4]");

  optim::Adam target(make_params(), {.lr = 0.3});
  StateBundle bad = good;
  bad.tensors.emplace_back("state.0.momentum", zeros({3}, DType::f64));
  EXPECT_CAJAL_ERROR(target.load_state_dict(bad), "Adam keeps no buffer named 'momentum'",
                     "exp_avg, exp_avg_sq, max_exp_avg_sq");
  bad = good;
  bad.tensors[0].first = "state.7.exp_avg";
  EXPECT_CAJAL_ERROR(target.load_state_dict(bad), "refers to parameter 7", "2 parameters");
  bad = good;
  bad.tensors[0].first = "exp_avg";
  EXPECT_CAJAL_ERROR(target.load_state_dict(bad), "unexpected tensor 'exp_avg'");
  bad = good;
  bad.tensors.erase(bad.tensors.begin() + 1);  // state.0.exp_avg_sq
  EXPECT_CAJAL_ERROR(target.load_state_dict(bad), "the state of parameter 0 (step 1) lacks 'state.0.exp_avg_sq'");
  bad = good;
  bad.meta["param_groups"][0]["betas"] = {0.9, 2.0};
  EXPECT_CAJAL_ERROR(target.load_state_dict(bad), "invalid beta parameter at index 1: 2");
  bad = good;
  bad.meta["param_groups"][0].erase("eps");
  EXPECT_CAJAL_ERROR(target.load_state_dict(bad), "param group 0 has bad options");
  // Every failed load left the target as it was.
  EXPECT_EQ(target.lr(0), 0.3);
  EXPECT_EQ(target.step_count(0), 0);
  EXPECT_FALSE(target.state_buffer(0, "exp_avg").defined());
  target.load_state_dict(good);
  EXPECT_EQ(target.lr(0), 0.01);
  EXPECT_EQ(target.step_count(0), 1);
}

TEST(Optim, MakeOptimizerByName) {
  // The same trajectory as the hand-built case, through the name + JSON route the CLI uses.
  for (const char* name : {"sgd_momentum", "adamw"}) {
    SCOPED_TRACE(name);
    const Case& c =
        *std::find_if(cases().begin(), cases().end(), [&](const Case& k) { return k.name == std::string(name); });
    std::vector<Tensor> ps = make_params();
    auto opt = std::string(name) == "adamw"
                   ? optim::make_optimizer("AdamW", ps, {{"lr", 0.01}, {"weight_decay", 0.1}})
                   : optim::make_optimizer(
                         "sgd", ps, {{"lr", 0.05}, {"momentum", 0.9}, {"dampening", 0.1}, {"weight_decay", 0.01}});
    for (int t = 0; t < 3; ++t) {
      set_quadratic_grads(ps);
      opt->step();
    }
    EXPECT_TRUE(vectors_close(flat_values(ps), c.torch_after_3, 1e-12));
  }
  auto adam = optim::make_optimizer("adam", make_params());
  EXPECT_STREQ(adam->name(), "Adam");
  EXPECT_EQ(adam->lr(0), 1e-3);  // defaults kept
  EXPECT_CAJAL_ERROR(optim::make_optimizer("sgd", make_params()), "SGD", "lr is required");
  EXPECT_CAJAL_ERROR(optim::make_optimizer("lbfgs", make_params()), "make_optimizer", "unknown optimizer 'lbfgs'");
  EXPECT_CAJAL_ERROR(optim::make_optimizer("adam", make_params(), {{"momentum", 0.9}}), "Adam has no option 'momentum'",
                     "amsgrad, betas, eps, lr, weight_decay");
  EXPECT_CAJAL_ERROR(optim::make_optimizer("rmsprop", make_params(), {{"alpha", "big"}}), "bad RMSprop options");
}
