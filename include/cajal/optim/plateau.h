// When does a tracked metric (validation loss, accuracy) count as improved? Shared by
// ReduceLROnPlateau and EarlyStopping, with torch's ReduceLROnPlateau rules:
//   Min, Rel: current < best * (1 - threshold)      Min, Abs: current < best - threshold
//   Max, Rel: current > best * (1 + threshold)      Max, Abs: current > best + threshold
// The best value starts at worst_value(mode) (+inf for Min, -inf for Max), so the first finite
// metric always improves; a NaN metric never does.
#pragma once
#include <limits>
#include <nlohmann/json.hpp>

namespace cajal::optim {

enum class Mode { Min, Max };
enum class ThresholdMode { Rel, Abs };
NLOHMANN_JSON_SERIALIZE_ENUM(Mode, {{Mode::Min, "min"}, {Mode::Max, "max"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ThresholdMode, {{ThresholdMode::Rel, "rel"}, {ThresholdMode::Abs, "abs"}})

inline bool is_better(Mode mode, ThresholdMode threshold_mode, double threshold, double current, double best) {
  if (mode == Mode::Min)
    return threshold_mode == ThresholdMode::Rel ? current < best * (1.0 - threshold) : current < best - threshold;
  return threshold_mode == ThresholdMode::Rel ? current > best * (1.0 + threshold) : current > best + threshold;
}

inline double worst_value(Mode mode) {
  return mode == Mode::Min ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}

}  // namespace cajal::optim
