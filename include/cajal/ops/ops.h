// Every op of cajal, as free functions in namespace cajal. Each is defined once, in
// src/ops/<family>.cpp, with its backward right below its forward.
//
// Conventions (PyTorch's): binary pointwise ops broadcast; a Scalar operand does not promote a
// floating tensor's dtype; reductions take a dim list ({} = all dims) and keepdim; negative dims
// count from the end. Errors are cajal::Error naming the op, what it expected and what it got.
#pragma once
#include <array>
#include <optional>
#include <utility>
#include <vector>

#include "cajal/autograd/node.h"
#include "cajal/core/generator.h"
#include "cajal/core/tensor.h"
#include "cajal/ops/op_list.h"

namespace cajal {

// ---------------------------------------------------------------- creation (ops/creation.cpp)
Tensor empty(const Shape& shape, DType dtype = DType::f32);
Tensor zeros(const Shape& shape, DType dtype = DType::f32);
Tensor ones(const Shape& shape, DType dtype = DType::f32);
Tensor full(const Shape& shape, double value, DType dtype = DType::f32);
Tensor scalar_tensor(double value, DType dtype = DType::f32);  // 0-D
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor empty_like(const Tensor& t);
Tensor arange(double end, DType dtype = DType::i64);
Tensor arange(double start, double end, double step = 1.0, DType dtype = DType::i64);
Tensor linspace(double start, double end, int64_t steps, DType dtype = DType::f32);
Tensor eye(int64_t n, int64_t m = -1, DType dtype = DType::f32);
// From data: tensor({1, 2, 3}) is 1-D; tensor({{1, 2}, {3, 4}}) is 2-D.
Tensor tensor(std::initializer_list<double> values, DType dtype = DType::f32);
Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, DType dtype = DType::f32);
Tensor from_vector(const std::vector<double>& values, const Shape& shape, DType dtype = DType::f32);
Tensor from_vector(const std::vector<float>& values, const Shape& shape);
Tensor from_vector(const std::vector<int64_t>& values, const Shape& shape);
// Random, drawn serially from `gen` (the default generator when null): same seed, same values,
// whatever the thread count.
Tensor rand(const Shape& shape, DType dtype = DType::f32, Generator* gen = nullptr);   // U[0,1)
Tensor randn(const Shape& shape, DType dtype = DType::f32, Generator* gen = nullptr);  // N(0,1)
Tensor uniform(const Shape& shape, double low, double high, DType dtype = DType::f32, Generator* gen = nullptr);
Tensor normal(const Shape& shape, double mean, double std, DType dtype = DType::f32, Generator* gen = nullptr);
Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator* gen = nullptr);  // [low, high), int64
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);  // 0/1 with probability p, p's dtype
Tensor bernoulli(const Shape& shape, double p, DType dtype = DType::f32, Generator* gen = nullptr);
Tensor randperm(int64_t n, Generator* gen = nullptr);  // int64
// In-place fills (under no-grad; used by initialisers).
Tensor& uniform_(Tensor& t, double low, double high, Generator* gen = nullptr);
Tensor& normal_(Tensor& t, double mean, double std, Generator* gen = nullptr);

// ---------------------------------------------------------------- pointwise (ops/pointwise.cpp)
Tensor add(const Tensor& a, const Tensor& b, double alpha = 1.0);  // a + alpha * b
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, const Tensor& b, double alpha = 1.0);  // a - alpha * b
Tensor sub(const Tensor& a, double b);
Tensor rsub(const Tensor& a, double b);  // b - a
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, double b);
Tensor rdiv(const Tensor& a, double b);  // b / a
Tensor neg(const Tensor& a);
Tensor pow(const Tensor& a, const Tensor& e);  // d/da = e a^(e-1); d/de = a^e log a
Tensor pow(const Tensor& a, double e);
Tensor pow(double base, const Tensor& e);
Tensor square(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor rsqrt(const Tensor& a);
Tensor abs(const Tensor& a);   // d/da = sign(a), 0 at 0
Tensor sign(const Tensor& a);  // derivative 0
Tensor clamp(const Tensor& a, std::optional<double> min, std::optional<double> max);  // grad 1 inside [min,max]
Tensor minimum(const Tensor& a, const Tensor& b);  // ties split the gradient equally (PyTorch)
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor sin(const Tensor& a);
Tensor cos(const Tensor& a);
// Comparisons and logic: not differentiable, return bool tensors.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, double b);
Tensor lt(const Tensor& a, double b);
Tensor le(const Tensor& a, double b);
Tensor gt(const Tensor& a, double b);
Tensor ge(const Tensor& a, double b);
Tensor logical_not(const Tensor& a);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);
bool equal(const Tensor& a, const Tensor& b);  // same shape and exactly equal values

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& a);

// Broadcasting helpers.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
Tensor sum_to(const Tensor& t, const Shape& shape);  // sums broadcast dims away (the backward of expand)

// ---------------------------------------------------------------- reductions (ops/reduction.cpp)
Tensor sum(const Tensor& a, const Shape& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& a, const Shape& dims = {}, bool keepdim = false);
Tensor var(const Tensor& a, const Shape& dims = {}, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& a, const Shape& dims = {}, bool unbiased = true, bool keepdim = false);
Tensor prod(const Tensor& a, const Shape& dims = {}, bool keepdim = false);
Tensor logsumexp(const Tensor& a, const Shape& dims, bool keepdim = false);
// p = 1 (sum |x|) or 2 (Frobenius / Euclidean).
Tensor norm(const Tensor& a, double p = 2.0, const Shape& dims = {}, bool keepdim = false);
Tensor max(const Tensor& a);  // all elements; gradient split evenly among ties
Tensor min(const Tensor& a);
std::pair<Tensor, Tensor> max(const Tensor& a, int64_t dim, bool keepdim = false);  // (values, int64 indices)
std::pair<Tensor, Tensor> min(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& a);  // flattened index

// ---------------------------------------------------------------- linear algebra (ops/linalg.cpp)
// matmul: PyTorch semantics: 1-D·1-D dot, 2-D·2-D mm, batched with broadcast batch dims,
// 1-D operands get a dim prepended/appended and removed. Transposed operands go to BLAS as flags.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);  // (B,N,K)·(B,K,M)
Tensor outer(const Tensor& a, const Tensor& b);
Tensor dot(const Tensor& a, const Tensor& b);
// linear: x (...,in) · w(out,in)^T + b(out); fused GEMM with bias.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b = Tensor());

// ---------------------------------------------------------------- activations (ops/activation.cpp)
Tensor sigmoid(const Tensor& x);                        // s' = s(1-s)
Tensor tanh(const Tensor& x);                           // t' = 1 - t^2
Tensor relu(const Tensor& x);                           // NB: derivative 0 at 0
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);  // slope at 0 is negative_slope
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);  // stable log(1+e^x)
Tensor atan(const Tensor& x);                           // 1/(1+x^2)
// step(x) = 1 where x > threshold (strict) or x >= threshold (strict=false), else 0.
// Its derivative is 0 everywhere (undefined at the threshold); gradients through it vanish.
Tensor step(const Tensor& x, double threshold = 0.0, bool strict = true);
Tensor softmax(const Tensor& x, int64_t dim = -1);      // stable: subtracts the max
Tensor log_softmax(const Tensor& x, int64_t dim = -1);
Tensor gelu(const Tensor& x, bool tanh_approx = false);  // exact: 0.5x(1+erf(x/sqrt2))
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor selu(const Tensor& x);
Tensor silu(const Tensor& x);  // x * sigmoid(x)
Tensor softsign(const Tensor& x);  // x / (1 + |x|)

// ---------------------------------------------------------------- losses (ops/loss.cpp)
enum class Reduction { None, Mean, Sum };
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r = Reduction::Mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction r = Reduction::Mean);
Tensor binary_cross_entropy(const Tensor& prob, const Tensor& target, Reduction r = Reduction::Mean);
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, Reduction r = Reduction::Mean);
// Cross-entropy from logits (N,C) or (N,C,d...). target: int64 class indices (N) / (N,d...) or
// probabilities with the input's shape. Fused log-softmax + NLL.
struct CrossEntropyOptions {
  Reduction reduction = Reduction::Mean;
  int64_t ignore_index = -100;
  double label_smoothing = 0.0;
};
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& opt = {});
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction r = Reduction::Mean,
                int64_t ignore_index = -100);
// kl_div(input = log q, target = p): sum p (log p - log q); reduction Mean averages over elements,
// Sum sums; pass batchmean via Reduction::Sum / batch size (as PyTorch's 'batchmean').
Tensor kl_div(const Tensor& log_q, const Tensor& p, Reduction r = Reduction::Mean, bool log_target = false);

// ---------------------------------------------------------------- views (core/tensor.cpp, ops/view.cpp)
Tensor reshape(const Tensor& a, const Shape& shape);
Tensor view(const Tensor& a, const Shape& shape);
Tensor flatten(const Tensor& a, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor permute(const Tensor& a, const Shape& dims);
Tensor transpose(const Tensor& a, int64_t d0, int64_t d1);
Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& a, int64_t dim, int64_t index);
Tensor expand(const Tensor& a, const Shape& shape);
Tensor squeeze(const Tensor& a);
Tensor squeeze(const Tensor& a, int64_t dim);
Tensor unsqueeze(const Tensor& a, int64_t dim);
Tensor contiguous(const Tensor& a);
Tensor clone(const Tensor& a);
Tensor to_dtype(const Tensor& a, DType dtype);

// ---------------------------------------------------------------- convolution and pooling (ops/conv.cpp)
// 2-D windows over (N, C, H, W) tensors; a (C, H, W) input is a batch of one and comes back 3-D.
// PyTorch's conventions: cross-correlation (no kernel flip); every pair is (height, width); the
// output size is floor((in + 2 padding - dilation (kernel - 1) - 1) / stride) + 1.
using Size2 = std::array<int64_t, 2>;
// x (N, C_in, H, W), w (C_out, C_in / groups, kh, kw), b (C_out) or undefined.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b = Tensor(), Size2 stride = {1, 1},
              Size2 padding = {0, 0}, Size2 dilation = {1, 1}, int64_t groups = 1);
// The sliding windows as columns: (N, C, H, W) -> (N, C kh kw, L), L = number of windows.
Tensor unfold(const Tensor& x, Size2 kernel, Size2 dilation = {1, 1}, Size2 padding = {0, 0}, Size2 stride = {1, 1});
// The adjoint of unfold: (N, C kh kw, L) -> (N, C, H, W) with H, W = output_size; overlaps add.
Tensor fold(const Tensor& cols, Size2 output_size, Size2 kernel, Size2 dilation = {1, 1}, Size2 padding = {0, 0},
            Size2 stride = {1, 1});
// The output plane conv2d (and unfold, max_pool2d, avg_pool2d) gives an H x W input:
// floor((in + 2 padding - dilation (kernel - 1) - 1) / stride) + 1 per dimension. Same checks
// as conv2d (positive kernel, stride, dilation; non-negative padding; a non-empty output).
Size2 conv2d_output_size(Size2 input_hw, Size2 kernel, Size2 stride = {1, 1}, Size2 padding = {0, 0},
                         Size2 dilation = {1, 1});
// 'Same' padding: the smallest padding p for which conv2d_output_size of an n-wide input is at
// least n, i.e. p = ceil(((n - 1) stride - n + dilation (kernel - 1) + 1) / 2). It keeps the size
// exactly when that bound is even: (kernel - 1) / 2 for stride 1 and an odd kernel, and the notes'
// (n s - n - s + f) / 2 for stride s.
int64_t same_padding(int64_t n, int64_t kernel, int64_t stride = 1, int64_t dilation = 1);
// The multiplications conv2d performs on one H x W image with a weight of shape (O, C / groups, kh,
// kw): oh ow O (C / groups) kh kw (the cost model of the notes' 1x1-bottleneck, depthwise and
// Inception examples). Same size checks as conv2d.
int64_t conv2d_multiplies(Size2 input_hw, const Shape& weight_shape, Size2 stride = {1, 1}, Size2 padding = {0, 0},
                          Size2 dilation = {1, 1});
// Pooling (ops/pool.cpp) with PyTorch's settings; stride {0, 0} means stride = kernel (torch's
// default), padding is at most half the kernel. max pads with -inf, and the gradient goes to the
// first maximum of each window. ceil_mode rounds the output size up instead of down (a last window
// must still start inside the input or its left padding). avg divides each window's sum by its
// size counting the padding (count_include_pad; not the cells ceil_mode adds), by the input cells
// it covers (count_include_pad false), or by divisor_override.
Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride = {0, 0}, Size2 padding = {0, 0}, bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride = {0, 0}, Size2 padding = {0, 0}, bool ceil_mode = false,
                  bool count_include_pad = true, std::optional<int64_t> divisor_override = std::nullopt);
// Adaptive pooling (ops/adaptive_pool.cpp) to a given output size; window i of n_out over n_in
// covers [floor(i n_in / n_out), ceil((i + 1) n_in / n_out)) (torch's). Output {1, 1} = global pooling.
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size);
Tensor adaptive_max_pool2d(const Tensor& x, Size2 output_size);
// Transposed convolution (ops/conv_transpose.cpp), the adjoint of conv2d: x (N, C_in, H, W), w (C_in,
// C_out / groups, kh, kw) (torch's layout), b (C_out). Output (H - 1) stride - 2 padding + dilation
// (kernel - 1) + output_padding + 1 per dimension; output_padding must be below stride or dilation. Argument
// order is torch.nn.functional.conv_transpose2d's (groups before dilation).
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b = Tensor(), Size2 stride = {1, 1},
                        Size2 padding = {0, 0}, Size2 output_padding = {0, 0}, int64_t groups = 1,
                        Size2 dilation = {1, 1});
// --- CNN ops of issue 9 (conv1d, pad, upsample) ---
// 1-D convolution (ops/conv1d.cpp): x (N, C_in, L) or (C_in, L), w (C_out, C_in / groups, k), b (C_out);
// conv2d over a height-1 plane (no kernel of its own), torch.nn.functional.conv1d's argument order.
Tensor conv1d(const Tensor& x, const Tensor& w, const Tensor& b = Tensor(), int64_t stride = 1, int64_t padding = 0,
              int64_t dilation = 1, int64_t groups = 1);
// Constant padding (ops/pad.cpp), torch.nn.functional.pad's 'constant' mode: `pad` lists (before,
// after) pairs from the LAST dim backwards ({left, right, top, bottom} for an image); a negative
// amount crops. The backward is pad(g, -pad): cropping and zero-padding are each other's adjoint.
Tensor pad(const Tensor& x, const std::vector<int64_t>& pad, double value = 0.0);
// Upsampling of (N, C, H, W) or (C, H, W) (ops/upsample.cpp), torch's interpolate semantics. Give
// output_size, or output_size {0, 0} and scale_factor (output floor(in scale_factor); the source
// coordinate then uses 1 / scale_factor, as torch does without recompute_scale_factor).
using Scale2 = std::array<double, 2>;
// nearest: source index min(floor(dst scale), in - 1), scale = in / out or 1 / scale_factor.
Tensor upsample_nearest2d(const Tensor& x, Size2 output_size, Scale2 scale_factor = {0, 0});
// bilinear: align_corners maps the corner pixels' centres onto each other (scale (in - 1) / (out -
// 1)); otherwise pixel areas align (source (dst + 0.5) scale - 0.5, clamped at 0).
Tensor upsample_bilinear2d(const Tensor& x, Size2 output_size, bool align_corners = false,
                           Scale2 scale_factor = {0, 0});

// ---------------------------------------------------------------- copies and indexing (ops/index.cpp)
Tensor cat(const std::vector<Tensor>& ts, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& ts, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim = 0);  // views
std::vector<Tensor> split(const Tensor& a, const std::vector<int64_t>& sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim = 0);
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);  // index: int64 1-D
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src);
Tensor masked_fill(const Tensor& a, const Tensor& mask, double value);  // mask: bool, broadcast
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);      // cond: bool, broadcast
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);           // int64 out, (..., C)
// Rows of weight (num, D) at int64 indices (...) -> (..., D); no gradient into row padding_idx.
Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx = std::nullopt);

// ---------------------------------------------------------------- normalisation and attention
// (ops/norm.cpp, ops/attention.cpp)
// Layer norm over the trailing dims equal to normalized_shape: (x - mean) / sqrt(var + eps) * weight
// + bias, the variance biased; weight and bias (of shape normalized_shape) may be undefined.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
// RMS norm: x / sqrt(mean(x^2) + eps) * weight; eps nullopt is the machine epsilon of x's dtype
// (torch.nn.functional.rms_norm's default).
Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                std::optional<double> eps = std::nullopt);
// Batch norm's training-mode normalisation of x (N, C, ...) over every dim but 1:
// (x - mean_c) / sqrt(var_c + eps) * weight[c] + bias[c], the variance biased (torch's
// F.batch_norm(x, None, None, weight, bias, training=True, eps=eps)); weight and bias ([C]) may
// be undefined. One fused kernel that keeps only x and the per-channel mean and 1/std for the
// backward. batch_mean and batch_var, when given, receive the batch's mean and biased variance
// ([C], no gradient) for running statistics. nn::BatchNorm calls it (nn/batchnorm.h).
Tensor batch_norm(const Tensor& x, const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), double eps = 1e-5,
                  Tensor* batch_mean = nullptr, Tensor* batch_var = nullptr);
// Attention: softmax(scale q k^T + mask) v over the last two dims of q (..., L, E), k (..., S, E),
// v (..., S, Ev) -> (..., L, Ev), batch dims equal. attn_mask (broadcast to (..., L, S)): bool keeps
// the true positions, a float mask (q's dtype) is added to the scores; a constant (no gradient).
// is_causal keeps key j <= query i (no mask tensor is made); scale nullopt is 1 / sqrt(E). One
// fused kernel per block of query rows that keeps only each row's log-sum-exp for the backward;
// dropout_p > 0 (dropout of the weights, from gen) runs the composed form.
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& attn_mask = Tensor(), double dropout_p = 0.0,
                                    bool is_causal = false, std::optional<double> scale = std::nullopt,
                                    Generator* gen = nullptr);
// The same attention composed of cajal ops (the (L, S) weights materialised): the reference of
// the tests and the benchmark.
Tensor scaled_dot_product_attention_composed(const Tensor& q, const Tensor& k, const Tensor& v,
                                             const Tensor& attn_mask = Tensor(), double dropout_p = 0.0,
                                             bool is_causal = false, std::optional<double> scale = std::nullopt,
                                             Generator* gen = nullptr);
}  // namespace cajal
