// A cajal user's program: fit y = 2x - 1 with one Linear layer and SGD, print the learned weight
// and bias and the library version (built against an installed cajal through cajal::cajal).
#include <cajal/cajal.h>
#include <cajal/nn/nn.h>
#include <cajal/optim/sgd.h>
#include <cajal/version.h>

#include <cstdio>

int main() {
  using namespace cajal;
  manual_seed(0);
  Tensor x = linspace(-1, 1, 32).reshape({32, 1});
  Tensor y = x * 2.0 - 1.0;
  nn::Linear fit(1, 1);
  optim::SGD sgd(fit.parameters(), {.lr = 0.5});
  for (int step = 0; step < 200; ++step) {
    sgd.zero_grad();
    Tensor loss = mse_loss(fit.forward(x), y);
    loss.backward();
    sgd.step();
  }
  std::printf("cajal %s: w = %.4f, b = %.4f\n", kVersion, fit.weight.item(), fit.bias.item());
  return 0;
}
