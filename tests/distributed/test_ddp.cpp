// cajal::distributed under `mpirun -np 2` (CTest distributed.*), also correct as one process:
// collectives, the sampler's split, DistributedDataParallel giving the same losses and parameters
// as one process with the whole batch, buckets, unused parameters. `--fault-rank R` instead makes
// rank R throw mid-training while the others wait in a reduction (distributed.fault_*).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <set>

#include "cajal/core/blas_env.h"
#include "cajal/data/dataloader.h"
#include "cajal/distributed/ddp.h"
#include "cajal/distributed/distributed.h"
#include "cajal/distributed/sampler.h"
#include "cajal/nn/nn.h"
#include "cajal/ops/ops.h"

using namespace cajal;
namespace dist = cajal::distributed;

namespace {

int W() { return dist::world_size(); }
int R() { return dist::rank(); }

// An MLP or a small CNN whose initial weights depend on `seed` (ranks pass different seeds: DDP
// must make them equal).
std::shared_ptr<nn::Sequential> make_mlp(uint64_t seed, DType dtype) {
  Generator g(seed);
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(8, 16).dtype(dtype).generator(&g)));
  net->push_back(std::make_shared<nn::Tanh>());
  net->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(16, 4).dtype(dtype).generator(&g)));
  return net;
}

std::shared_ptr<nn::Sequential> make_cnn(uint64_t seed) {
  Generator g(seed);
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(1, 4, 3).padding({1, 1}).generator(&g)));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::Flatten>());
  net->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(4 * 6 * 6, 3).generator(&g)));
  return net;
}

void sgd(nn::Module& m, double lr) {
  NoGradGuard ng;
  for (Tensor p : m.parameters()) p.add_(p.grad(), -lr);
}

struct TrainingRun {
  std::vector<double> losses;
  std::vector<Tensor> params;
};

// `steps` of SGD on (x, y): one process with the whole batch, or this rank's sampler shard through DDP.
TrainingRun train(std::shared_ptr<nn::Sequential> net, const Tensor& x, const Tensor& y, int steps, bool ddp,
          double bucket_mb = 4.0) {
  TrainingRun run;
  std::unique_ptr<dist::DistributedDataParallel> wrapper;
  Tensor xs = x, ys = y;
  if (ddp) {
    wrapper = std::make_unique<dist::DistributedDataParallel>(net, dist::DDPOptions{.bucket_cap_mb = bucket_mb});
    dist::DistributedSampler sampler(x.size(0), {.num_replicas = W(), .rank = R(), .shuffle = false});
    std::vector<int64_t> mine = sampler.indices(0);
    Tensor idx = from_vector(mine, {int64_t(mine.size())});
    xs = index_select(x, 0, idx);
    ys = index_select(y, 0, idx);
  }
  for (int s = 0; s < steps; ++s) {
    for (Tensor p : net->parameters()) p.zero_grad();
    Tensor loss = cross_entropy(ddp ? wrapper->forward(xs) : net->forward(xs), ys);
    loss.backward();
    Tensor l = loss.detach().clone();
    if (ddp) {
      wrapper->finish_gradient_sync();
      dist::all_reduce(l, dist::ReduceOp::Mean);  // equal shards: the mean of means is the global mean
    }
    run.losses.push_back(l.item());
    sgd(*net, 0.1);
  }
  for (const Tensor& p : net->parameters()) run.params.push_back(p.detach().clone());
  return run;
}

void expect_same_run(const TrainingRun& a, const TrainingRun& b, double rel) {
  ASSERT_EQ(a.losses.size(), b.losses.size());
  for (size_t i = 0; i < a.losses.size(); ++i) EXPECT_NEAR(a.losses[i], b.losses[i], rel * std::abs(b.losses[i])) << "step " << i;
  ASSERT_EQ(a.params.size(), b.params.size());
  for (size_t i = 0; i < a.params.size(); ++i) {
    const double diff = max(abs(a.params[i] - b.params[i])).item();
    const double scale = max(abs(b.params[i])).item();
    EXPECT_LE(diff, rel * scale) << "parameter " << i;
  }
}

}  // namespace

TEST(Collectives, AllReduceBroadcastAndAllGather) {
  Tensor t = full({3}, double(R() + 1), DType::f64);
  dist::all_reduce(t);
  EXPECT_EQ(t.to_vector<double>(), std::vector<double>(3, W() * (W() + 1) / 2.0));
  Tensor m = full({2}, double(R()), DType::f32);
  dist::all_reduce(m, dist::ReduceOp::Max);
  EXPECT_EQ(m.to_vector<float>()[0], float(W() - 1));
  Tensor mean = full({2}, double(R()), DType::f64);
  dist::all_reduce(mean, dist::ReduceOp::Mean);
  EXPECT_DOUBLE_EQ(mean.to_vector<double>()[1], (W() - 1) / 2.0);
  Tensor b = full({4}, double(10 + R()), DType::i64);
  dist::broadcast(b, W() - 1);
  EXPECT_EQ(b.to_vector<int64_t>(), std::vector<int64_t>(4, 10 + W() - 1));
  Tensor g = dist::all_gather(full({2}, double(R()), DType::f32));
  EXPECT_EQ(g.shape(), (Shape{W(), 2}));
  for (int r = 0; r < W(); ++r) EXPECT_EQ(g.to_vector<float>()[size_t(2 * r)], float(r));
  Tensor bad = full({2}, 1.0, DType::i64);
  EXPECT_THROW(dist::all_reduce(bad, dist::ReduceOp::Mean), cajal::Error);
  Tensor strided = zeros({4, 4}).transpose(0, 1);
  EXPECT_THROW(dist::all_reduce(strided), cajal::Error);
}

TEST(Sampler, RanksCoverEachExampleOnceAndSplitOneProcesssOrder) {
  for (int64_t n : {10, 11, 64})
    for (int64_t world : {1, 2, 3})
      for (bool drop_last : {false, true}) {
        std::vector<int> seen(size_t(n), 0);
        int64_t total = 0;
        for (int64_t r = 0; r < world; ++r) {
          dist::DistributedSampler s(n, {.num_replicas = world, .rank = r, .seed = 5, .drop_last = drop_last});
          for (int64_t i : s.indices(3)) ++seen[size_t(i)], ++total;
        }
        const int64_t per_rank = drop_last ? n / world : (n + world - 1) / world;
        EXPECT_EQ(total, per_rank * world) << n << " " << world;
        for (int64_t i = 0; i < n; ++i) {
          if (n % world == 0) EXPECT_EQ(seen[size_t(i)], 1) << "example " << i << " n " << n << " world " << world;
          else if (drop_last) EXPECT_LE(seen[size_t(i)], 1);
          else EXPECT_GE(seen[size_t(i)], 1);
        }
      }
  // Two ranks reading 4 each per step read, together, one process's batches of 8 in its order.
  const std::vector<int64_t> order = data::epoch_order(64, true, 9, 2);
  dist::DistributedSampler r0(64, {.num_replicas = 2, .rank = 0, .seed = 9}), r1(64, {.num_replicas = 2, .rank = 1, .seed = 9});
  const auto a = r0.indices(2), b = r1.indices(2);
  for (int step = 0; step < 8; ++step) {
    std::set<int64_t> together(a.begin() + step * 4, a.begin() + step * 4 + 4);
    together.insert(b.begin() + step * 4, b.begin() + step * 4 + 4);
    EXPECT_EQ(together, std::set<int64_t>(order.begin() + step * 8, order.begin() + step * 8 + 8)) << "step " << step;
  }
  EXPECT_THROW(dist::DistributedSampler(10, {.num_replicas = 2, .rank = 2}), cajal::Error);
}

TEST(DDP, MlpMatchesOneProcessWithTheWholeBatchInFloat64) {
  Generator g(1);
  Tensor x = randn({64, 8}, DType::f64, &g), y = randint(0, 4, {64}, &g);
  const TrainingRun one = train(make_mlp(0, DType::f64), x, y, 50, false);
  const TrainingRun many = train(make_mlp(R() == 0 ? 0 : 77, DType::f64), x, y, 50, true);
  expect_same_run(many, one, 1e-10);
  EXPECT_LT(one.losses.back(), 0.9 * one.losses.front());  // it trained (random labels: slowly)
}

TEST(DDP, OneBucketPerParameterGivesTheSameResult) {
  Generator g(2);
  Tensor x = randn({32, 8}, DType::f64, &g), y = randint(0, 4, {32}, &g);
  auto net = make_mlp(3, DType::f64);
  const TrainingRun one = train(make_mlp(3, DType::f64), x, y, 10, false);
  const TrainingRun many = train(net, x, y, 10, true, /*bucket_mb=*/1e-6);
  expect_same_run(many, one, 1e-10);
  dist::DistributedDataParallel probe(make_mlp(3, DType::f64), {.bucket_cap_mb = 1e-6});
  EXPECT_EQ(probe.num_buckets(), 4);
  EXPECT_EQ(probe.bucket_parameter_indices().front(), (std::vector<int64_t>{3}));  // the last layer's bias first
}

TEST(DDP, CnnMatchesOneProcessInFloat32) {
  Generator g(4);
  Tensor x = randn({32, 1, 6, 6}, DType::f32, &g), y = randint(0, 3, {32}, &g);
  const TrainingRun one = train(make_cnn(5), x, y, 50, false);
  const TrainingRun many = train(make_cnn(R() == 0 ? 5 : 6), x, y, 50, true);
  expect_same_run(many, one, 1e-4);
}

TEST(DDP, UnusedParametersGetZeroAndASecondBackwardIsAnError) {
  auto used = std::make_shared<nn::Linear>(nn::LinearOptions(3, 2).dtype(DType::f64));
  auto net = std::make_shared<nn::ModuleDict>();
  net->insert("used", used);
  net->insert("unused", std::make_shared<nn::Linear>(nn::LinearOptions(3, 2).dtype(DType::f64)));
  dist::DistributedDataParallel ddp(net);
  Tensor x = ones({4, 3}, DType::f64);
  sum(used->forward(x)).backward();
  ddp.finish_gradient_sync();
  auto params = net->named_parameters();
  for (auto& [name, p] : params)
    if (name.starts_with("unused")) EXPECT_EQ(max(abs(p.grad())).item(), 0.0) << name;
    else EXPECT_GT(max(abs(p.grad())).item(), 0.0) << name;
  sum(used->forward(x)).backward();
  EXPECT_THROW(sum(used->forward(x)).backward(), cajal::Error);
}

int main(int argc, char** argv) {
  cajal::reexec_with_runtime_env(argv);
  dist::init();
  int fault_rank = -1;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--fault-rank") == 0) fault_rank = std::atoi(argv[i + 1]);
  if (fault_rank >= 0) {
    // Training where one rank meets bad data at step 3: it must end every rank, not hang them.
    try {
      for (int step = 0; step < 10; ++step) {
        if (step == 3 && R() == fault_rank)
          CAJAL_FAIL(Value, "train", "example 17 of rank {}'s shard has 783 features, expected 784", R());
        Tensor t = full({4}, 1.0, DType::f32);
        dist::all_reduce(t);
      }
    } catch (const std::exception& e) {
      dist::abort_all(e.what());
    }
    return 0;
  }
  ::testing::InitGoogleTest(&argc, argv);
  // Only rank 0 prints GoogleTest's progress; every rank's failures still fail its exit status.
  if (R() != 0) delete ::testing::UnitTest::GetInstance()->listeners().Release(
      ::testing::UnitTest::GetInstance()->listeners().default_result_printer());
  const int rc = RUN_ALL_TESTS();
  int failed = rc != 0;
  Tensor f = full({1}, double(failed), DType::i64);
  dist::all_reduce(f);
  return f.to_vector<int64_t>()[0] == 0 ? 0 : 1;
}
