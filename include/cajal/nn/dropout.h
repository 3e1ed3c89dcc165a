// nn::Dropout: inverted dropout. In training mode each element is kept with probability 1 - p
// and kept elements are scaled by 1 / (1 - p), so the expected activation equals the eval-mode
// activation; in eval mode it is the identity.
// Convention: p is the DROP probability (PyTorch's); the notes' "p" is the keep probability 1 - p.
#pragma once
#include "cajal/core/generator.h"
#include "cajal/nn/module.h"

namespace cajal::nn {

namespace functional {
// x * keep_mask / (1 - p): the training-mode dropout for a given 0/1 mask (broadcast to x).
// p = 1 (nothing kept) gives zeros.
Tensor dropout_with_mask(const Tensor& x, const Tensor& keep_mask, double p);
// Training: draws keep_mask ~ Bernoulli(1 - p) from `gen` (the default generator when null) and
// applies it; p = 0 returns x itself. Not training: returns x itself.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true, Generator* gen = nullptr);
// Dropout2d (torch.nn.functional.dropout2d): whole channels are dropped: one keep draw per (n, c)
// of an (N, C, H, W) input (per c of a (C, H, W) one), broadcast over H x W, scaled by 1 / (1 - p).
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true, Generator* gen = nullptr);
}  // namespace functional

// What both dropout layers share: the probability, the generator, the argument check and repr.
class DropoutBase : public UnaryModule {
 public:
  std::string extra_repr() const override;
  double p() const { return p_; }
  void set_generator(Generator* gen) { gen_ = gen; }

 protected:
  // `gen` (not owned, may be null for the default generator) draws the masks.
  DropoutBase(const char* type_name, double p, Generator* gen);
  double p_;
  Generator* gen_;
};

class Dropout : public DropoutBase {
 public:
  explicit Dropout(double p = 0.5, Generator* gen = nullptr) : DropoutBase("Dropout", p, gen) {}
  Tensor forward(const Tensor& x) override { return functional::dropout(x, p_, training_, gen_); }
};

// Drops whole channels (feature maps) of (N, C, H, W) images: see functional::dropout2d.
class Dropout2d : public DropoutBase {
 public:
  explicit Dropout2d(double p = 0.5, Generator* gen = nullptr) : DropoutBase("Dropout2d", p, gen) {}
  Tensor forward(const Tensor& x) override { return functional::dropout2d(x, p_, training_, gen_); }
};

}  // namespace cajal::nn
