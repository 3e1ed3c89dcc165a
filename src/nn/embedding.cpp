// nn::Embedding, nn::EmbeddingBag: parameters, torch's N(0, 1) initialisation with the padding
// row zeroed, max_norm renormalisation, and forward = cajal::embedding (+ a bag reduction).
#include "cajal/nn/embedding.h"

#include <cmath>
#include <set>

#include "cajal/autograd/grad_mode.h"
#include "cajal/nn/init.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace {

void check_sizes(int64_t num, int64_t dim, std::optional<int64_t> pad, DType dtype, const char* who) {
  CAJAL_CHECK(num >= 1 && dim >= 1, who, "expected num_embeddings >= 1 and embedding_dim >= 1, got {} and {}", num,
              dim);
  CAJAL_CHECK(!pad || (*pad >= -num && *pad < num), who, "padding_idx must be within num_embeddings = {}, got {}", num,
              pad.value_or(0));
  CAJAL_CHECK_TYPE(is_floating(dtype), who, "expected a floating dtype (float32 or float64), got {}",
                   dtype_name(dtype));
}

// N(0, 1), the padding row zeroed.
void init_table(Tensor& weight, std::optional<int64_t> pad, Generator* gen) {
  init::normal_(weight, 0.0, 1.0, gen);
  if (!pad) return;
  NoGradGuard no_grad;
  const int64_t num = weight.shape()[0];
  Tensor row = select(weight, 0, *pad < 0 ? *pad + num : *pad);
  init::zeros_(row);
}

}  // namespace

void embedding_renorm_(Tensor& weight, const Tensor& indices, double max_norm, double norm_type) {
  CAJAL_CHECK(weight.defined() && weight.dim() == 2 && weight.is_contiguous(), "embedding_renorm_",
              "expected a contiguous 2-D weight, got shape {}", weight.defined() ? shape_str(weight.shape()) : "none");
  CAJAL_CHECK(max_norm > 0 && norm_type > 0, "embedding_renorm_", "expected max_norm > 0 and norm_type > 0, got {} and {}",
              max_norm, norm_type);
  Tensor idx = indices.contiguous();
  const int64_t* p = idx.data_ptr<int64_t>();
  const int64_t num = weight.shape()[0], dim = weight.shape()[1];
  std::set<int64_t> rows;
  for (int64_t i = 0; i < idx.numel(); ++i) {
    CAJAL_CHECK_INDEX(p[i] >= 0 && p[i] < num, "embedding", "index {} at position {} is out of range for num_embeddings = {}",
                      p[i], i, num);
    rows.insert(p[i]);
  }
  CAJAL_DISPATCH_FLOAT(weight.dtype(), "embedding_renorm_", [&] {
    scalar_t* w = weight.data_ptr<scalar_t>();
    for (int64_t r : rows) {
      scalar_t* row = w + r * dim;
      double acc = 0;
      for (int64_t c = 0; c < dim; ++c) acc += std::pow(std::abs(double(row[c])), norm_type);
      const double norm = std::pow(acc, 1.0 / norm_type);
      if (norm <= max_norm) continue;
      const scalar_t scale = scalar_t(max_norm / (norm + 1e-7));
      for (int64_t c = 0; c < dim; ++c) row[c] *= scale;
    }
  });
}

// ---------------------------------------------------------------- Embedding

Embedding::Embedding(const EmbeddingOptions& options) : UnaryModule("Embedding"), options_(options) {
  check_sizes(options.num_embeddings(), options.embedding_dim(), options.padding_idx(), options.dtype(), "Embedding");
  weight = register_parameter("weight", empty({options.num_embeddings(), options.embedding_dim()}, options.dtype()));
  reset_parameters(options.generator());
}

void Embedding::reset_parameters(Generator* gen) { init_table(weight, options_.padding_idx(), gen); }

std::shared_ptr<Embedding> Embedding::from_pretrained(const Tensor& embeddings, bool freeze,
                                                      std::optional<int64_t> padding_idx,
                                                      std::optional<double> max_norm, double norm_type) {
  CAJAL_CHECK(embeddings.defined() && embeddings.dim() == 2, "Embedding.from_pretrained",
              "expected a 2-D embeddings tensor (num_embeddings, embedding_dim), got shape {}",
              embeddings.defined() ? shape_str(embeddings.shape()) : "none");
  auto e = std::make_shared<Embedding>(EmbeddingOptions(embeddings.shape()[0], embeddings.shape()[1])
                                           .padding_idx(padding_idx)
                                           .max_norm(max_norm)
                                           .norm_type(norm_type)
                                           .dtype(embeddings.dtype()));
  {
    NoGradGuard no_grad;
    e->weight.copy_(embeddings);  // the table keeps the given rows, padding row included (torch)
  }
  e->weight.requires_grad_(!freeze);
  return e;
}

Tensor Embedding::forward(const Tensor& indices) {
  if (options_.max_norm()) embedding_renorm_(weight, indices, *options_.max_norm(), options_.norm_type());
  return embedding(weight, indices, options_.padding_idx());
}

std::string Embedding::extra_repr() const {
  std::string s = fmt::format("{}, {}", options_.num_embeddings(), options_.embedding_dim());
  if (options_.padding_idx()) s += fmt::format(", padding_idx={}", *options_.padding_idx());
  if (options_.max_norm()) s += fmt::format(", max_norm={}", *options_.max_norm());
  return s;
}

// ---------------------------------------------------------------- EmbeddingBag

EmbeddingBag::EmbeddingBag(const EmbeddingBagOptions& options) : UnaryModule("EmbeddingBag"), options_(options) {
  check_sizes(options.num_embeddings(), options.embedding_dim(), options.padding_idx(), options.dtype(),
              "EmbeddingBag");
  weight = register_parameter("weight", empty({options.num_embeddings(), options.embedding_dim()}, options.dtype()));
  init_table(weight, options.padding_idx(), options.generator());
}

Tensor EmbeddingBag::forward(const Tensor& indices) {
  CAJAL_CHECK(indices.defined() && indices.dim() == 2, "EmbeddingBag",
              "expected 2-D indices (bags, bag_size), got shape {}",
              indices.defined() ? shape_str(indices.shape()) : "none");
  if (options_.max_norm()) embedding_renorm_(weight, indices, *options_.max_norm(), options_.norm_type());
  Tensor vecs = embedding(weight, indices, options_.padding_idx());  // (B, L, D)
  std::optional<int64_t> pad = options_.padding_idx();
  Tensor keep;  // (B, L, 1): 1 where the entry belongs to its bag
  if (pad) {
    const int64_t p = *pad < 0 ? *pad + options_.num_embeddings() : *pad;
    keep = unsqueeze(ne(indices, full({}, double(p), DType::i64)).to(weight.dtype()), 2);
    vecs = mul(vecs, keep);
  }
  Tensor total = sum(vecs, {1});
  if (options_.mode() == BagMode::Sum) return total;
  Tensor count = pad ? sum(keep, {1}) : full({}, double(indices.shape()[1]), weight.dtype());
  return div(total, clamp(count, 1.0, std::nullopt));  // an empty bag: 0 / 1
}

std::string EmbeddingBag::extra_repr() const {
  return fmt::format("{}, {}, mode='{}'", options_.num_embeddings(), options_.embedding_dim(),
                     options_.mode() == BagMode::Sum ? "sum" : "mean");
}

}  // namespace cajal::nn
