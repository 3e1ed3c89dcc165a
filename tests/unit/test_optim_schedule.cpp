// LR schedules: each against its closed form written out here, a few against torch.optim.lr_scheduler
// numbers, ReduceLROnPlateau against a scalar re-implementation of torch's rules on a scripted
// metric sequence, state round trips and argument checks.
#include <cmath>
#include <numbers>

#include "cajal/optim/schedule.h"
#include "cajal/optim/sgd.h"
#include "support/test_support.h"

using namespace cajal;
using Vec = std::vector<double>;

namespace {

struct Fixture {
  Tensor a = zeros({2}, DType::f64), b = zeros({3}, DType::f64);
  std::unique_ptr<optim::SGD> opt;
  // Two groups with base lrs 0.1 and 0.02.
  Fixture() {
    a.requires_grad_();
    b.requires_grad_();
    opt = std::make_unique<optim::SGD>(
        std::vector<optim::ParamGroup<optim::SGDOptions>>{{{a}, {.lr = 0.1}}, {{b}, {.lr = 0.02}}});
  }
};

// Runs a scheduler for `steps` steps; returns group `g`'s lr after construction and after each step.
Vec trace(optim::LRScheduler& s, int steps, size_t g = 0) {
  Vec out = {s.get_last_lr()[g]};
  for (int i = 0; i < steps; ++i) {
    s.step();
    out.push_back(s.get_last_lr()[g]);
  }
  return out;
}

void expect_close(const Vec& actual, const Vec& expected, double tol = 1e-15) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tol) << "step " << i;
}

}  // namespace

TEST(OptimSchedule, LinearDecayFollowsTheNotes) {
  Fixture f;
  optim::LinearDecayLR s(*f.opt, /*total_steps=*/4, /*final_lr=*/0.001);
  Vec expected;
  for (int k = 0; k <= 6; ++k) {
    double a = std::min(k, 4) / 4.0;  // eps_k = (1 - k/T) eps_0 + (k/T) eps_T, constant after T
    expected.push_back((1 - a) * 0.1 + a * 0.001);
  }
  expect_close(trace(s, 6), expected);
  EXPECT_NEAR(f.opt->lr(1), 0.001, 1e-18);  // both groups end at eps_T
  EXPECT_EQ(s.last_epoch(), 6);
}

TEST(OptimSchedule, StepLR) {
  Fixture f;
  optim::StepLR s(*f.opt, /*step_size=*/3, /*gamma=*/0.5);
  // torch: S.StepLR(SGD([p], lr=0.1), step_size=3, gamma=0.5), get_last_lr() after each step
  // (/usr/bin/python3, torch 1.13)
  expect_close(trace(s, 8), {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025});
  // The second group follows its own base lr.
  EXPECT_NEAR(s.get_last_lr()[1], 0.02 * 0.25, 1e-18);
  EXPECT_EQ(f.opt->lr(1), s.get_last_lr()[1]);
}

TEST(OptimSchedule, ExponentialLR) {
  Fixture f;
  optim::ExponentialLR s(*f.opt, 0.9);
  Vec expected;
  for (int t = 0; t <= 5; ++t) expected.push_back(0.1 * std::pow(0.9, t));
  expect_close(trace(s, 5), expected);
  // torch: S.ExponentialLR(SGD([p], lr=0.1), gamma=0.9), after 5 steps: 0.05904900000000002
  EXPECT_NEAR(s.get_last_lr()[0], 0.05904900000000002, 1e-15);
}

TEST(OptimSchedule, CosineAnnealingClosedForm) {
  Fixture f;
  optim::CosineAnnealingLR s(*f.opt, /*T_max=*/10, /*eta_min=*/0.001);
  Vec expected;
  for (int t = 0; t <= 12; ++t)
    expected.push_back(0.001 + (0.1 - 0.001) * (1 + std::cos(std::numbers::pi * t / 10)) / 2);
  Vec got = trace(s, 12);
  expect_close(got, expected);
  // torch: S.CosineAnnealingLR(SGD([p], lr=0.1), T_max=10, eta_min=0.001), get_last_lr() per step
  expect_close(got,
               {0.1, 0.09757729755661011, 0.0905463412215599, 0.07959536998847742, 0.0657963412215599, 0.0505,
                0.03520365877844011, 0.02140463001152259, 0.010453658778440109, 0.0034227024433899004, 0.001,
                0.0034227024433899004, 0.01045365877844014},
               1e-15);
}

TEST(OptimSchedule, LinearWarmup) {
  Fixture f;
  optim::LinearWarmup s(*f.opt, /*warmup_steps=*/4, /*start_factor=*/0.25);
  Vec expected;
  for (int t = 0; t <= 6; ++t) expected.push_back(0.1 * (0.25 + 0.75 * std::min(t, 4) / 4.0));
  Vec got = trace(s, 6);
  expect_close(got, expected);
  // torch: S.LinearLR(SGD([p], lr=0.1), start_factor=0.25, total_iters=4)
  expect_close(got, {0.025, 0.043750000000000004, 0.06250000000000001, 0.08125000000000002, 0.10000000000000002,
                     0.10000000000000002, 0.10000000000000002});
  // The constructor already applied step 0 to the optimizer.
  Fixture g;
  optim::LinearWarmup w(*g.opt, 10, 0.5);
  EXPECT_EQ(g.opt->lr(0), 0.05);
  EXPECT_EQ(g.opt->lr(1), 0.01);
}

TEST(OptimSchedule, StateRoundTripResumesTheSchedule) {
  Fixture f;
  optim::CosineAnnealingLR s(*f.opt, 10, 0.0);
  for (int i = 0; i < 4; ++i) s.step();
  StateBundle saved = s.state_dict();
  EXPECT_EQ(saved.meta["scheduler"], "CosineAnnealingLR");
  EXPECT_EQ(saved.meta["last_epoch"], 4);
  EXPECT_EQ(saved.meta["T_max"], 10);
  StateBundle text;
  text.meta = nlohmann::json::parse(saved.meta.dump());

  Fixture g;  // a fresh optimizer and scheduler, as on --resume
  optim::CosineAnnealingLR r(*g.opt, 10, 0.0);
  r.load_state_dict(text);
  EXPECT_EQ(g.opt->lr(0), f.opt->lr(0));  // the groups' lrs are those of the saved step
  EXPECT_EQ(r.last_epoch(), 4);
  for (int i = 0; i < 3; ++i) {
    s.step();
    r.step();
    EXPECT_EQ(r.get_last_lr(), s.get_last_lr());
    EXPECT_EQ(g.opt->lr(1), f.opt->lr(1));
  }
}

TEST(OptimSchedule, RejectsBadArguments) {
  Fixture f;
  EXPECT_CAJAL_ERROR(optim::StepLR(*f.opt, 0), "StepLR", "expected step_size > 0, got 0");
  EXPECT_CAJAL_ERROR(optim::CosineAnnealingLR(*f.opt, -3), "CosineAnnealingLR", "expected T_max > 0, got -3");
  EXPECT_CAJAL_ERROR(optim::LinearWarmup(*f.opt, 5, 0.0), "LinearWarmup", "expected 0 < start_factor <= 1, got 0");
  EXPECT_CAJAL_ERROR(optim::LinearDecayLR(*f.opt, 10, -1.0), "LinearDecayLR", "expected final_lr >= 0, got -1");
  EXPECT_CAJAL_ERROR(optim::ReduceLROnPlateau(*f.opt, {.factor = 1.0}), "ReduceLROnPlateau",
                     "expected 0 <= factor < 1, got 1");
  optim::StepLR s(*f.opt, 2);
  StateBundle other;
  other.meta = {{"scheduler", "ExponentialLR"}};
  EXPECT_CAJAL_ERROR(s.load_state_dict(other), "StepLR.load_state_dict", "saved by ExponentialLR");
  StateBundle short_list = s.state_dict();
  short_list.meta["base_lrs"] = {0.1};
  EXPECT_CAJAL_ERROR(s.load_state_dict(short_list), "'base_lrs' has 1 entries, the optimizer has 2 param groups");
}

namespace {
// torch 1.13's ReduceLROnPlateau.step, for one group, as a scalar function of the metric list.
Vec plateau_reference(const Vec& metrics, double lr, bool min_mode, bool rel, double factor, int patience,
                      double threshold, int cooldown, double min_lr) {
  double best = min_mode ? INFINITY : -INFINITY;
  int bad = 0, cool = 0;
  Vec out;
  for (double m : metrics) {
    bool better = min_mode ? (rel ? m < best * (1 - threshold) : m < best - threshold)
                           : (rel ? m > best * (1 + threshold) : m > best + threshold);
    if (better) {
      best = m;
      bad = 0;
    } else {
      ++bad;
    }
    if (cool > 0) {
      --cool;
      bad = 0;
    }
    if (bad > patience) {
      double next = std::max(lr * factor, min_lr);
      if (lr - next > 1e-8) lr = next;
      cool = cooldown;
      bad = 0;
    }
    out.push_back(lr);
  }
  return out;
}
}  // namespace

TEST(OptimSchedule, ReduceLROnPlateauMinRel) {
  const Vec metrics = {1.0, 0.9, 0.895, 0.899, 0.91, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91, 0.92, 0.93};
  Fixture f;
  optim::ReduceLROnPlateau s(
      *f.opt,
      {.mode = optim::Mode::Min, .factor = 0.5, .patience = 2, .threshold = 0.01, .cooldown = 1, .min_lr = 0.02});
  Vec got;
  for (double m : metrics) {
    s.step(m);
    got.push_back(f.opt->lr(0));
    EXPECT_EQ(s.get_last_lr()[0], f.opt->lr(0));
  }
  expect_close(got, plateau_reference(metrics, 0.1, true, true, 0.5, 2, 0.01, 1, 0.02), 0);
  // torch: S.ReduceLROnPlateau(SGD([p], lr=0.1), mode='min', factor=0.5, patience=2, threshold=0.01,
  // cooldown=1, min_lr=0.02), lr after each step(m) (/usr/bin/python3, torch 1.13)
  expect_close(got, {0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.02, 0.02});
  EXPECT_EQ(s.best(), 0.85);
  // min_lr is per value, so the 0.02 group stays at 0.02 (a change of 0 is below eps).
  EXPECT_EQ(f.opt->lr(1), 0.02);
}

TEST(OptimSchedule, ReduceLROnPlateauMaxAbsAndResume) {
  const Vec metrics = {0.5, 0.6, 0.65, 0.6, 0.62, 0.64, 0.7, 0.69, 0.68};
  Fixture f;
  const optim::ReduceLROnPlateauOptions o{.mode = optim::Mode::Max,
                                          .factor = 0.1,
                                          .patience = 1,
                                          .threshold = 0.05,
                                          .threshold_mode = optim::ThresholdMode::Abs};
  optim::ReduceLROnPlateau s(*f.opt, o);
  Vec got;
  for (double m : metrics) {
    s.step(m);
    got.push_back(f.opt->lr(0));
  }
  expect_close(got, plateau_reference(metrics, 0.1, false, false, 0.1, 1, 0.05, 0, 0), 0);
  // torch: mode='max', factor=0.1, patience=1, threshold=0.05, threshold_mode='abs'
  expect_close(got, {0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002,
                     0.0010000000000000002, 0.0010000000000000002, 0.00010000000000000003});

  // Resume halfway: the counters come back and the continuation matches.
  Fixture g, h;
  optim::ReduceLROnPlateau first(*g.opt, o);
  for (int i = 0; i < 5; ++i) first.step(metrics[i]);
  StateBundle saved;
  saved.meta = nlohmann::json::parse(first.state_dict().meta.dump());
  optim::ReduceLROnPlateau resumed(*h.opt, o);
  resumed.load_state_dict(saved);
  EXPECT_EQ(resumed.num_bad_epochs(), first.num_bad_epochs());
  EXPECT_EQ(resumed.best(), 0.6);  // 0.65 is not above 0.6 + 0.05
  for (size_t i = 5; i < metrics.size(); ++i) {
    resumed.step(metrics[i]);
    EXPECT_EQ(h.opt->lr(0), got[i]) << "step " << i;
  }
  // A fresh scheduler's best is +-inf, stored as null.
  optim::ReduceLROnPlateau fresh(*g.opt, o);
  EXPECT_TRUE(fresh.state_dict().meta["best"].is_null());
}
