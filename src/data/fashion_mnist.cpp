// Fashion-MNIST loader: IDX files -> (float32 images in [0,1], int64 labels), with a seeded
// validation split. Without a validation split the images are decoded straight to float32 (the
// uint8 file is never held whole); with one, rows are selected on the uint8 data first, so only
// kept images are converted.
#include "cajal/data/fashion_mnist.h"

#include <algorithm>

#include "cajal/core/generator.h"
#include "cajal/core/threading.h"
#include "cajal/data/idx.h"
#include "cajal/ops/ops.h"
#include "data/byte_reader.h"

namespace cajal::data {

namespace {

constexpr const char* kOp = "fashion-mnist";
constexpr int64_t kNumClasses = 10;

// The .gz file the package ships, or an uncompressed copy beside it.
std::string locate(const std::string& dir, const std::string& stem) {
  std::string gz = dir + "/" + stem + ".gz", raw = dir + "/" + stem;
  if (detail::file_exists(gz)) return gz;
  if (detail::file_exists(raw)) return raw;
  throw Error(ErrorKind::IO, kOp, gz + " not found; install it with: apt-get install dataset-fashion-mnist");
}

constexpr float kUnitScale = 1.0f / 255.0f;

Tensor to_unit_float(const Tensor& bytes) {
  Tensor out = make_tensor(bytes.shape(), DType::f32);
  const uint8_t* src = bytes.data_ptr<uint8_t>();
  float* dst = out.data_ptr<float>();
  const int64_t n = bytes.numel();
#pragma omp parallel for schedule(static) if (n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) dst[i] = float(src[i]) * kUnitScale;
  return out;
}

}  // namespace

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

TensorDataset load_fashion_mnist(Split split, const FashionMnistOptions& options) {
  CAJAL_CHECK(options.validation_size >= 0, kOp, "expected validation_size >= 0, got {}", options.validation_size);
  CAJAL_CHECK(split != Split::Validation || options.validation_size > 0, kOp,
              "the validation split needs validation_size > 0 (it is carved off the train set), got 0");
  const std::string prefix = split == Split::Test ? "t10k" : "train";
  const std::string images_path = locate(options.dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = locate(options.dir, prefix + "-labels-idx1-ubyte");
  // Without a validation split every image is kept, so they decode straight to float32.
  const bool select_rows = split != Split::Test && options.validation_size > 0;
  Tensor images = select_rows ? read_idx(images_path) : read_idx_u8_as_f32(images_path, kUnitScale);
  Tensor labels = read_idx(labels_path);
  // NB: read_idx_u8_as_f32 already rejects a file whose elements are not uint8.
  CAJAL_CHECK_KIND((!select_rows || images.dtype() == DType::u8) && images.dim() == 3, IO, kOp,
                   "{}: expected uint8 images [N, H, W], got {} {}", images_path,
                   select_rows ? dtype_name(images.dtype()) : "uint8", shape_str(images.shape()));
  CAJAL_CHECK_KIND(labels.dtype() == DType::u8 && labels.dim() == 1, IO, kOp,
                   "{}: expected uint8 labels [N], got {} {}", labels_path, dtype_name(labels.dtype()),
                   shape_str(labels.shape()));
  const int64_t n = images.size(0);
  CAJAL_CHECK_KIND(labels.size(0) == n, IO, kOp, "{} holds {} images but {} holds {} labels", images_path, n,
                   labels_path, labels.size(0));
  const uint8_t* label_bytes = labels.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i)
    CAJAL_CHECK_KIND(label_bytes[i] < kNumClasses, IO, kOp, "{}: label {} of example {} (byte {}) is outside [0, {})",
                     labels_path, int(label_bytes[i]), i, 8 + i, kNumClasses);

  if (split != Split::Test && options.validation_size > 0) {
    CAJAL_CHECK(options.validation_size < n, kOp, "validation_size {} leaves no training examples out of {}",
                options.validation_size, n);
    Generator gen(options.seed);
    Tensor perm = randperm(n, &gen);
    const int64_t* p = perm.data_ptr<int64_t>();
    std::vector<char> in_validation(static_cast<size_t>(n), 0);
    for (int64_t i = 0; i < options.validation_size; ++i) in_validation[size_t(p[i])] = 1;
    const char want = split == Split::Validation ? 1 : 0;
    std::vector<int64_t> keep;
    keep.reserve(size_t(want ? options.validation_size : n - options.validation_size));
    for (int64_t i = 0; i < n; ++i)
      if (in_validation[size_t(i)] == want) keep.push_back(i);
    images = gather_rows(images, keep, kOp);
    labels = gather_rows(labels, keep, kOp);
  }

  Tensor x = select_rows ? to_unit_float(images) : images;
  const int64_t m = x.size(0), h = x.size(1), w = x.size(2);
  x = options.flatten ? x.view({m, h * w}) : x.view({m, 1, h, w});
  return TensorDataset(x, labels.to(DType::i64));
}

}  // namespace cajal::data
