// Per-op overhead: the cost of one tiny op (add of two 1-element f32 tensors) with and without
// recording the autograd graph, and of a 100-op chain's forward + backward. These are the costs
// that dominate small-model training (batch 64, hidden 128-512); bench/torch_overhead.py measures
// the same three things in PyTorch from Python.
#include <benchmark/benchmark.h>

#include <thread>

#include "cajal/cajal.h"

namespace {

using namespace cajal;

// A real program has more than one thread (the OpenMP pool, a data-loading thread). While a
// process has only one, libstdc++ makes shared_ptr reference counts plain increments instead of
// atomic ones, which would flatter these figures; start and join one thread before measuring.
void become_multithreaded() {
  static const bool done = [] {
    std::thread([] {}).join();
    return true;
  }();
  (void)done;
}

void BM_TinyAdd_NoGrad(benchmark::State& state) {
  become_multithreaded();
  Tensor a = ones({1}), b = ones({1});
  for (auto _ : state) {
    Tensor c = add(a, b);
    benchmark::DoNotOptimize(c.impl());
  }
  state.SetItemsProcessed(state.iterations());  // items/s = ops/s
}
BENCHMARK(BM_TinyAdd_NoGrad);

// Inputs require grad: every add also creates its graph node; the node dies with `c`.
void BM_TinyAdd_Grad(benchmark::State& state) {
  become_multithreaded();
  Tensor a = ones({1}), b = ones({1});
  a.requires_grad_();
  b.requires_grad_();
  for (auto _ : state) {
    Tensor c = add(a, b);
    benchmark::DoNotOptimize(c.impl());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TinyAdd_Grad);

// y = x; 100 times y = y + x; y.backward(). Time per chain (100 recorded ops + their backward).
void BM_Chain100_ForwardBackward(benchmark::State& state) {
  become_multithreaded();
  Tensor x = ones({1});
  x.requires_grad_();
  for (auto _ : state) {
    Tensor y = x;
    for (int i = 0; i < 100; ++i) y = add(y, x);
    y.backward();
    x.zero_grad();
  }
  state.SetItemsProcessed(state.iterations() * 100);  // items/s = recorded ops/s
}
BENCHMARK(BM_Chain100_ForwardBackward);

}  // namespace
