// The classifier protocol of the mlp and lenet workloads (see classifier.h).
#include "workloads/classifier.h"

#include <span>

#include "cajal/autograd/grad_mode.h"
#include "cajal/data/dataset.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/ops/ops.h"

namespace cajal::bench {
namespace {

constexpr int64_t kBatch = 64;
constexpr int64_t kEvalBatch = 1000;

double accuracy(nn::UnaryModule& model, const data::TensorDataset& test) {
  NoGradGuard no_grad;
  model.eval();
  const Tensor& x = test.inputs();
  const Tensor& y = test.targets();
  int64_t correct = 0;
  for (int64_t i = 0; i < x.size(0); i += kEvalBatch) {
    int64_t len = std::min(kEvalBatch, x.size(0) - i);
    Tensor pred = argmax(model(x.narrow(0, i, len)), 1);
    correct += int64_t(sum(eq(pred, y.narrow(0, i, len))).item());
  }
  return double(correct) / double(x.size(0));
}

}  // namespace

Json run_classifier(const RunOptions& opt, const ClassifierSpec& spec) {
  data::FashionMnistOptions files;
  files.flatten = spec.flatten;
  const data::TensorDataset train = data::load_fashion_mnist(data::Split::Train, files);
  const data::TensorDataset test = data::load_fashion_mnist(data::Split::Test, files);

  Generator init_gen(opt.seed), order_gen(opt.seed);  // torch: the global RNG and its own generator
  std::shared_ptr<nn::Module> model = spec.make_model(init_gen);
  std::unique_ptr<optim::Optimizer> optimizer = spec.make_optimizer(model->parameters());

  const int64_t n = train.size();
  int64_t steps = (n + kBatch - 1) / kBatch;  // 938: 937 x 64 + 1 x 32
  if (opt.steps) steps = std::min(steps, opt.steps);
  const Tensor order = randperm(n, &order_gen);
  const int64_t* idx = order.data_ptr<int64_t>();
  const double rss_before = peak_rss_mib();

  nn::UnaryModule& net = nn::as_unary(*model, "classifier workload");
  model->train();
  std::vector<double> losses;
  losses.reserve(size_t(steps));
  const double t0 = now_s();
  for (int64_t step = 0; step < steps; ++step) {
    int64_t begin = step * kBatch, len = std::min(kBatch, n - begin);
    std::span<const int64_t> rows(idx + begin, size_t(len));
    Tensor xb = data::gather_rows(train.inputs(), rows);
    Tensor yb = data::gather_rows(train.targets(), rows);
    Tensor loss = cross_entropy(net(xb), yb);
    optimizer->zero_grad();
    loss.backward();
    optimizer->step();
    losses.push_back(loss.item());
  }
  const double train_s = now_s() - t0;
  const int64_t samples = std::min(n, steps * kBatch);

  const double t1 = now_s();
  const double acc = accuracy(net, test);
  const double eval_s = now_s() - t1;

  const size_t last = std::min<size_t>(100, losses.size());
  double loss_last = 0.0;
  for (size_t i = losses.size() - last; i < losses.size(); ++i) loss_last += losses[i];
  Json out;
  out["steps"] = steps;
  out["batch"] = kBatch;
  out["params"] = model->num_parameters();
  out["train_s"] = round_to(train_s, 3);
  out["samples_per_s"] = round_to(double(samples) / train_s, 1);
  out["ms_per_step"] = round_to(train_s / double(steps) * 1e3, 3);
  out["train_loss_mean_last_100"] = round_to(loss_last / double(last), 4);
  out["test_acc"] = round_to(acc, 4);
  out["eval_s"] = round_to(eval_s, 3);
  out["rss_before_train_mib"] = round_to(rss_before, 1);
  return out;
}

}  // namespace cajal::bench
