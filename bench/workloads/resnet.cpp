// resnet workload (issue 9; not in WORKLOADS.md v1, so its torch side is bench/resnet_torch.py):
// ResNet-18 adapted to 1x28x28 Fashion-MNIST as the zoo's `resnet18_fmnist` builds it (3x3 stride-1
// stem, no max-pool, BasicBlocks of 64-512 planes, 10 classes; 11,172,810 parameters, torchvision's
// kaiming init), batch 64 from one seeded permutation of the training images (x = pixel / 255),
// SGD lr 0.01 momentum 0.9, batch norm in training mode. kWarmup untimed steps, then 50 timed steps,
// each (batch gather, forward, cross-entropy, backward, update, loss.item()) timed on its own.
// No evaluation: the 10000 test images would take longer than the training steps.
#include <span>

#include "cajal/core/generator.h"
#include "cajal/data/dataset.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/sgd.h"
#include "workloads/workload.h"

namespace cajal::bench {
namespace {

constexpr int64_t kBatch = 64;
constexpr int64_t kWarmup = 3;
constexpr int64_t kTimedSteps = 50;

Json run_resnet(const RunOptions& opt) {
  data::FashionMnistOptions files;
  files.flatten = false;
  const data::TensorDataset train = data::load_fashion_mnist(data::Split::Train, files);

  manual_seed(opt.seed);  // the zoo's init draws from the default generator
  std::shared_ptr<nn::Module> model = models::build_model("resnet18_fmnist");
  nn::UnaryModule& net = nn::as_unary(*model, "resnet workload");
  optim::SGD sgd(model->parameters(), optim::SGDOptions{.lr = 0.01, .momentum = 0.9});
  Generator order_gen(opt.seed);
  const Tensor order = randperm(train.size(), &order_gen);
  const int64_t* idx = order.data_ptr<int64_t>();
  const int64_t timed = opt.steps ? opt.steps : kTimedSteps;
  const int64_t warmup = std::min(kWarmup, timed);  // a --steps smoke run stays short
  const double rss_before = peak_rss_mib();

  model->train();
  std::vector<double> step_s, losses;
  for (int64_t step = 0; step < warmup + timed; ++step) {
    const double t0 = now_s();
    std::span<const int64_t> rows(idx + step * kBatch, size_t(kBatch));
    Tensor loss = cross_entropy(net(data::gather_rows(train.inputs(), rows)), data::gather_rows(train.targets(), rows));
    sgd.zero_grad();
    loss.backward();
    sgd.step();
    losses.push_back(loss.item());
    if (step >= warmup) step_s.push_back(now_s() - t0);
  }
  double train_s = 0.0, loss_last = 0.0;
  for (double t : step_s) train_s += t;
  const size_t last = std::min<size_t>(10, losses.size());
  for (size_t i = losses.size() - last; i < losses.size(); ++i) loss_last += losses[i];
  Json out;
  out["steps"] = timed;
  out["warmup_steps"] = warmup;
  out["batch"] = kBatch;
  out["params"] = model->num_parameters();
  out["train_s"] = round_to(train_s, 3);
  out["ms_per_step"] = round_to(median(step_s) * 1e3, 2);
  out["samples_per_s"] = round_to(double(timed * kBatch) / train_s, 1);
  out["loss_first"] = round_to(losses.front(), 4);
  out["loss_last10"] = round_to(loss_last / double(last), 4);
  out["rss_before_train_mib"] = round_to(rss_before, 1);
  return out;
}

}  // namespace

Workload resnet_workload() {
  return {"resnet", "ResNet-18 on 1x28x28 Fashion-MNIST, batch 64, 50 steps of SGD momentum", "", run_resnet};
}

}  // namespace cajal::bench
