// Generator: a seeded, serializable pseudo-random stream (xoshiro256**, seeded by splitmix64).
// Random tensors draw their values serially from one stream, so the same seed gives the same
// tensor for any thread count.
#pragma once
#include <array>
#include <cstdint>

namespace cajal {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { manual_seed(seed); }
  void manual_seed(uint64_t seed);
  uint64_t seed() const { return seed_; }
  uint64_t next_u64();
  double next_double();  // uniform [0, 1), 53 random bits
  float next_float();    // uniform [0, 1), 24 random bits
  double next_normal();  // standard normal (Box-Muller, caches the second value)

  struct State {
    std::array<uint64_t, 4> s;
    uint64_t seed;
    double cached_normal;
    bool has_cached_normal;
  };
  State state() const { return {s_, seed_, cached_normal_, has_cached_normal_}; }
  void set_state(const State& st);

 private:
  std::array<uint64_t, 4> s_{};
  uint64_t seed_ = 0;
  double cached_normal_ = 0.0;
  bool has_cached_normal_ = false;
};

Generator& default_generator();
void manual_seed(uint64_t seed);  // seeds the default generator

}  // namespace cajal
