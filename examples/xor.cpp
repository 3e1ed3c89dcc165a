// README example: a 2-8-2 tanh network learns XOR with Adam. Expected: loss falls below 0.01 and
// the predicted class matches [0, 1, 1, 0].
#include <cajal/cajal.h>
#include <cajal/nn/nn.h>
#include <cajal/optim/adam.h>

#include <iostream>

using namespace cajal;

int main() {
  manual_seed(0);
  Tensor x = tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}}), y = tensor({0, 1, 1, 0}, DType::i64);
  auto net = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(2, 8), std::make_shared<nn::Tanh>(),
                                              std::make_shared<nn::Linear>(8, 2));
  optim::Adam opt(net->parameters(), {.lr = 0.05});
  for (int step = 1; step <= 300; ++step) {
    Tensor loss = cross_entropy(net->forward(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (step % 100 == 0) std::cout << "step " << step << "  loss " << loss.item() << "\n";
  }
  std::cout << argmax(net->forward(x), 1) << "\n";
}
