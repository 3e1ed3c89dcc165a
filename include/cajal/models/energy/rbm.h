// Restricted Boltzmann machines (the notes' section 23): a layer of visible units v and one of
// binary hidden units h, connected by W [visible, hidden] with no connection inside a layer, so
// each layer is conditionally independent given the other and Gibbs sampling alternates between
// them.
//
//   E(v, h) = -v W h^T - b v^T - c h^T                          Bernoulli visible units (v in {0,1})
//   E(v, h) = 1/2 ||v - b||^2 - v W h^T - c h^T                  Gaussian visible units (unit variance)
//   P(h_j = 1 | v) = sigmoid(v W + c)_j
//   P(v_i = 1 | h) = sigmoid(h W^T + b)_i   or   v | h ~ N(h W^T + b, I)
//   free energy F(v) = -log sum_h e^{-E(v, h)} = -b v^T - sum_j softplus(c_j + (v W)_j)   (Bernoulli)
//                                              = 1/2 ||v - b||^2 - sum_j softplus(...)    (Gaussian)
//
// The gradient of the mean negative log-likelihood (the notes' 23.5-23.7) is the data term minus
// the model term:  dL/dW = -E_data[v^T sigmoid(vW + c)] + E_model[v^T sigmoid(vW + c)].
// exact_nll_gradients evaluates the model term by enumerating every visible state (small models);
// cd_gradients approximates it by k Gibbs steps from the data (CD-k) or from persistent chains
// that carry over between updates (PCD, Tieleman 2008).
//
// Parameters: "weight" [visible, hidden] (W as the notes write it), "visible_bias" (b),
// "hidden_bias" (c); PCD's chains are the buffer "chains" [P, visible], so a checkpoint resumes them.
#pragma once
#include <cstdint>
#include <string>

#include "cajal/core/generator.h"
#include "cajal/nn/module.h"

namespace cajal::models::energy {

enum class VisibleUnits { Bernoulli, Gaussian };
VisibleUnits parse_visible_units(const std::string& name);  // "bernoulli" | "gaussian"
const char* visible_units_name(VisibleUnits units);

struct RBMOptions {
  int64_t visible = 784;
  int64_t hidden = 128;
  VisibleUnits units = VisibleUnits::Bernoulli;
  int64_t persistent_chains = 0;  // > 0: PCD with this many chains; 0: CD-k from the data
  int64_t cd_k = 1;               // Gibbs steps per update (what the rbm task passes to cd_gradients)
  DType dtype = DType::f32;
  double init_std = 0.01;  // W ~ N(0, init_std^2), biases 0 (Hinton's practical guide)
};

struct RBMGradients {
  Tensor weight, visible_bias, hidden_bias;  // of the mean negative log-likelihood
};

class RBM : public nn::UnaryModule {
 public:
  explicit RBM(const RBMOptions& options, Generator* gen = nullptr);

  const RBMOptions& options() const { return options_; }
  // Throws cajal::Error when v is not [B, visible] of the model's dtype family, or (Bernoulli) has an
  // entry other than 0 or 1, naming the entry.
  void check_visible(const Tensor& v, const char* op) const;

  Tensor hidden_probs(const Tensor& v) const;   // sigmoid(v W + c), [B, hidden]
  Tensor visible_mean(const Tensor& h) const;   // sigmoid(h W^T + b) or h W^T + b, [B, visible]
  Tensor sample_hidden(const Tensor& v, Generator* gen = nullptr) const;
  Tensor sample_visible(const Tensor& h, Generator* gen = nullptr) const;
  // k full Gibbs steps v -> h -> v from v (not checked: chains of a Gaussian RBM are real).
  Tensor gibbs(const Tensor& v, int64_t k, Generator* gen = nullptr) const;
  Tensor free_energy(const Tensor& v) const;             // [B]
  Tensor energy(const Tensor& v, const Tensor& h) const;  // [B]
  // Mean-field reconstruction visible_mean(hidden_probs(v)), what forward returns.
  Tensor forward(const Tensor& v) override;
  Tensor reconstruct(const Tensor& v) const;

  // Samples: n chains started from uniform noise (Bernoulli: bits with p = 1/2; Gaussian: N(b, I)),
  // `steps` Gibbs steps, then the visible means given the last hidden sample. [n, visible].
  Tensor sample(int64_t n, int64_t steps, Generator* gen = nullptr) const;

  Tensor weight, visible_bias, hidden_bias, chains;

 private:
  RBMOptions options_;
};

// CD-k (from the data) or PCD (from the model's persistent chains, advanced k steps and kept):
// the notes' gradient with the model term from the chains' end states.
RBMGradients cd_gradients(RBM& rbm, const Tensor& v, int64_t k, Generator* gen = nullptr);
// The exact gradient of the mean negative log-likelihood of the rows of v, the model term summed
// over all 2^visible states. Bernoulli only, visible <= 20.
RBMGradients exact_nll_gradients(const RBM& rbm, const Tensor& v);
// Mean log-likelihood log p(v) = -F(v) - log Z, Z by enumeration (Bernoulli, visible <= 20).
double exact_log_likelihood(const RBM& rbm, const Tensor& v);
// Every binary vector of n bits, [2^n, n], row r the bits of r (most significant first).
Tensor all_binary_states(int64_t n, DType dtype = DType::f32);

// Pseudo-log-likelihood sum_i log P(v_i | v_{-i}) of each row of binary v (Bernoulli): exactly,
// all visible units (B x visible x hidden work).
Tensor pseudo_log_likelihood(const RBM& rbm, const Tensor& v);
// Its usual estimate: visible * log P(v_i | v_{-i}) for one unit i per row drawn from gen.
Tensor pseudo_log_likelihood_estimate(const RBM& rbm, const Tensor& v, Generator* gen = nullptr);

// Writes gradients into the parameters' .grad (for an optimizer's step).
void set_gradients(RBM& rbm, const RBMGradients& g);

// Tiles the first `count` hidden units' weight vectors as images [count, 1, height, width], each
// scaled to [0, 1] on its own range: the filters picture.
Tensor rbm_filters(const RBM& rbm, int64_t count, int64_t height, int64_t width);

}  // namespace cajal::models::energy
