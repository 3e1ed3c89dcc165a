// Optimal linear decoders: from a population's activities A (S samples x N neurons) to targets
// T (S x k), the least-squares decoders with the notes' noise regularisation
//   D* = argmin_D ||A D - T||^2 + lambda ||D||^2  =  (A^T A + lambda I)^{-1} A^T T      (N x k)
// Adding independent noise of standard deviation sigma to every activity gives
// E[eps^T eps] = S sigma^2 I, hence lambda = S sigma^2 (the notes' sigma^2 with the sample count made
// explicit); cajal takes sigma = noise * max(A) (Nengo's convention, noise = 0.1 by default).
// The normal equations are solved by cajal's own Cholesky factorisation, tested against LAPACK's
// dposv from the BLAS package (cholesky_solve_lapack).
#pragma once
#include <functional>

#include "cajal/core/tensor.h"
#include "cajal/neuro/population.h"

namespace cajal::neuro {

// Solves G X = B for symmetric positive-definite G (N x N) and B (N x k) (or (N)), float64.
Tensor cholesky_solve(const Tensor& G, const Tensor& B);
Tensor cholesky_solve_lapack(const Tensor& G, const Tensor& B);  // the reference: LAPACK dposv

// (A^T A + lambda I)^{-1} A^T T. lambda = 0 needs at least as many samples as neurons.
Tensor ridge_decoders(const Tensor& A, const Tensor& T, double lambda);

struct DecoderOptions {
  double noise = 0.1;          // sigma as a fraction of the largest activity
  int64_t points = 1000;       // sample points drawn uniformly from the ball
  uint64_t seed = 1;           // of the sample points
};

// Decoders of f(x) for the population: f maps sample points (S, d) to targets (S, k).
Tensor decoders_for(const Population& pop, const std::function<Tensor(const Tensor&)>& f,
                    const DecoderOptions& opt = {});
// The identity function's decoders (the represented value itself).
Tensor decoders_for(const Population& pop, const DecoderOptions& opt = {});

// Expected squared decoding error at points x with targets t when every activity carries noise of
// standard deviation sigma: mean ||A D - T||^2 / S + sigma^2 ||D||^2 (distortion plus noise), summed
// over the k output dimensions.
double decoding_error(const Population& pop, const Tensor& D, const Tensor& x, const Tensor& t, double sigma);

}  // namespace cajal::neuro
