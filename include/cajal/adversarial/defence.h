// Defences of the notes' chapter 25: adversarial training (adversarial examples of the batch,
// made by FGSM or PGD against the current model, mixed into the loss with their true labels)
// and TRADES (Zhang et al. 2019, the notes' procedure: a few steps of gradient ascent on
// KL(f(x) || f(x')) inside the eps-ball, then the joint loss CE(f(x), y) + beta * KL(f(x) || f(x'))).
//
// defence_loss returns the loss to descend for one batch; cajal train --adversarial calls it in
// place of the classification task's cross-entropy (train/adversarial_training.h).
#pragma once
#include <string>

#include "cajal/adversarial/attacks.h"

namespace cajal::adversarial {

struct DefenceOptions {
  std::string method = "pgd";  // fgsm | pgd (adversarial training) | trades
  // The attack that makes the training examples: eps, norm, clamping, steps, step_size (0: PGD's
  // 2.5 * eps / steps; TRADES's eps / 4, the paper's 0.007 for eps 0.031), random start, generator.
  AttackOptions attack;
  // Adversarial training: loss = (1 - mix) * CE(f(x), y) + mix * CE(f(x_adv), y) (Goodfellow et
  // al.'s 0.5; 1 is Madry et al.'s training on adversarial examples only).
  double mix = 0.5;
  double beta = 6.0;  // TRADES: weight of the robustness term (the paper's 6 for CIFAR-10)
};

// "fgsm" | "pgd" | "trades"; throws cajal::Error naming the valid methods.
void check_defence(const DefenceOptions& options);

struct DefenceLoss {
  Tensor loss;         // scalar, recorded for backward through the model's parameters
  Tensor clean_logits; // f(x): the batch's accuracy on clean inputs
};

// The defence's loss on a batch (x, true labels y). The adversarial examples are made against
// the model as it is (no gradient flows through their construction, as in both papers).
DefenceLoss defence_loss(const Classifier& f, const Tensor& x, const Tensor& labels, const DefenceOptions& options);

// TRADES's inner maximisation alone: x' near x maximising KL(f(x) || f(x')) (sum over the batch),
// from x + 0.001 * N(0, 1), `steps` signed (L-inf) or normalised (L2) steps, projected and clamped.
Tensor trades_adversary(const Classifier& f, const Tensor& x, const AttackOptions& options);

}  // namespace cajal::adversarial
