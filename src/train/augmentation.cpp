// Training-batch augmentation (see cajal/train/augmentation.h).
#include "cajal/train/augmentation.h"

#include <algorithm>
#include <bit>
#include <charconv>

#include "cajal/ops/ops.h"

namespace cajal::train {

namespace {

constexpr const char* kOp = "--augment";
constexpr const char* kKeys = "crop=PADDING (e.g. crop=4), flip or flip=P (e.g. flip=0.5)";
// Keeps the augmentation stream apart from the default generator's (init, dropout), which is
// seeded with the run's seed itself.
constexpr uint64_t kStreamOffset = 0x61756700000000ULL;  // "aug"

template <class T>
T parse_value(const std::string& item, const std::string& value, const char* expected) {
  T v{};
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  CAJAL_CHECK(!value.empty() && ec == std::errc() && end == value.data() + value.size(), kOp,
              "'{}': expected {}, got '{}'", item, expected, value);
  return v;
}

}  // namespace

AugmentSpec parse_augment(const std::string& spec) {
  AugmentSpec s;
  if (spec.empty() || spec == "none") return s;
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string item = spec.substr(start, comma - start);
    const size_t eq = item.find('=');
    const std::string key = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (key == "crop") {
      CAJAL_CHECK(eq != std::string::npos, kOp, "'crop' needs its padding in pixels, e.g. crop=4");
      const auto pad = parse_value<int64_t>(item, value, "an integer padding >= 0");
      CAJAL_CHECK(pad >= 0, kOp, "'{}': expected an integer padding >= 0, got {}", item, pad);
      s.crop_padding = pad;
    } else if (key == "flip") {
      const double p = eq == std::string::npos ? 0.5 : parse_value<double>(item, value, "a probability in [0, 1]");
      CAJAL_CHECK(p >= 0 && p <= 1, kOp, "'{}': expected a probability in [0, 1], got {}", item, p);
      s.flip_p = p;
    } else {
      CAJAL_FAIL(Value, kOp, "unknown augmentation '{}' in '{}'; valid: {}", item, spec, kKeys);
    }
    start = comma + 1;
  }
  return s;
}

BatchAugmenter::BatchAugmenter(const AugmentSpec& spec, const TaskData& data, uint64_t seed)
    : spec_(spec), gen_(seed + kStreamOffset) {
  const nlohmann::json& d = data.info.value("data", nlohmann::json::object());
  const std::string kind = d.value("kind", "");
  const std::string source = d.value("source", "");
  // A table's columns have no neighbours to shift or mirror; only image data are augmented.
  CAJAL_CHECK(kind != "csv" && d.contains("example_shape") && d.at("example_shape").size() == 3, kOp,
              "expected image data (fashion-mnist, an IDX folder or an image folder), got {} '{}' with examples of "
              "shape {}; drop --augment for tables",
              kind == "csv" ? "the CSV table" : "the data", source,
              d.contains("example_shape") ? d.at("example_shape").dump() : "unknown");
  image_ = Shape(d.at("example_shape").get<std::vector<int64_t>>());
  // A zero pixel after the data's normalisation: (0 - mean) / std per channel, in float32 as
  // the data were normalised, so padding looks like the images' own blank background.
  fills_.assign(size_t(image_[0]), 0.0);
  if (d.contains("normalization")) {
    const auto mean = d.at("normalization").at("mean").get<std::vector<double>>();
    const auto sd = d.at("normalization").at("std").get<std::vector<double>>();
    CAJAL_CHECK(mean.size() == fills_.size() && sd.size() == fills_.size(), kOp,
                "expected {} channel statistics, got {} means and {} standard deviations", fills_.size(), mean.size(),
                sd.size());
    for (size_t c = 0; c < fills_.size(); ++c) fills_[c] = double((0.0f - float(mean[c])) / float(sd[c]));
  }
}

Tensor BatchAugmenter::crop(const Tensor& images) {
  const data::RandomCrop first({image_[1], image_[2]}, *spec_.crop_padding, fills_[0]);
  if (std::all_of(fills_.begin(), fills_.end(), [&](double f) { return f == fills_[0]; }))
    return first(images, gen_);
  // Channels with different fills (standardised colour images): each channel is cropped with its
  // own fill from the same generator state, so every channel of an image gets the same window.
  const Generator::State start = gen_.state();
  std::vector<Tensor> channels;
  for (int64_t c = 0; c < image_[0]; ++c) {
    gen_.set_state(start);
    const data::RandomCrop crop({image_[1], image_[2]}, *spec_.crop_padding, fills_[size_t(c)]);
    channels.push_back(crop(images.narrow(1, c, 1).contiguous(), gen_));
  }
  return cat(channels, 1);
}

Tensor BatchAugmenter::operator()(const Tensor& input) {
  const int64_t B = input.size(0);
  CAJAL_CHECK(input.numel() == B * shape_numel(image_), kOp, "expected a batch of {} images, got shape {}", shape_str(image_),
              shape_str(input.shape()));
  Tensor x = input.contiguous().view({B, image_[0], image_[1], image_[2]});
  if (spec_.crop_padding) x = crop(x);
  if (spec_.flip_p) x = data::RandomHorizontalFlip(*spec_.flip_p)(x, gen_);
  return x.view(input.shape());
}

nlohmann::json generator_state_json(const Generator& gen) {
  const Generator::State s = gen.state();
  return {{"s", std::vector<uint64_t>(s.s.begin(), s.s.end())},
          {"seed", s.seed},
          {"cached_normal", std::bit_cast<uint64_t>(s.cached_normal)},
          {"has_cached_normal", s.has_cached_normal}};
}

void set_generator_state(Generator& gen, const nlohmann::json& j, const char* op) {
  Generator::State s{};
  const auto words = j.at("s").get<std::vector<uint64_t>>();
  CAJAL_CHECK(words.size() == s.s.size(), op, "the checkpoint's generator state has {} words, expected {}",
              words.size(), s.s.size());
  std::copy(words.begin(), words.end(), s.s.begin());
  s.seed = j.at("seed");
  s.cached_normal = std::bit_cast<double>(j.at("cached_normal").get<uint64_t>());
  s.has_cached_normal = j.at("has_cached_normal");
  gen.set_state(s);
}

nlohmann::json BatchAugmenter::state() const { return generator_state_json(gen_); }

void BatchAugmenter::set_state(const nlohmann::json& j) { set_generator_state(gen_, j, kOp); }

}  // namespace cajal::train
