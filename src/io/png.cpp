// PNG writing through libpng's write callbacks into an AtomicFile.
#include "cajal/io/png.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cajal/ops/ops.h"
#include "io/atomic_file.h"

namespace cajal::io {

namespace {

void write_to_atomic_file(png_structp png, png_bytep data, png_size_t n) {
  static_cast<detail::AtomicFile*>(png_get_io_ptr(png))->write(data, n);
}
void no_flush(png_structp) {}

// Rows of bytes, channels interleaved (libpng's layout), from [C, H, W] of any dtype.
std::vector<uint8_t> interleaved_bytes(const Tensor& chw) {
  int64_t C = chw.size(0), H = chw.size(1), W = chw.size(2);
  std::vector<uint8_t> out(size_t(C * H * W));
  if (chw.dtype() == DType::u8) {
    Tensor c = chw.contiguous();
    const uint8_t* p = c.data_ptr<uint8_t>();
    for (int64_t ch = 0; ch < C; ++ch)
      for (int64_t i = 0; i < H * W; ++i) out[size_t(i * C + ch)] = p[ch * H * W + i];
    return out;
  }
  CAJAL_CHECK_TYPE(is_floating(chw.dtype()), "write_png", "expected a floating or uint8 image, got {}",
                   dtype_name(chw.dtype()));
  Tensor c = chw.to(DType::f64).contiguous();
  const double* p = c.data_ptr<double>();
  for (int64_t ch = 0; ch < C; ++ch)
    for (int64_t i = 0; i < H * W; ++i) {
      double v = p[ch * H * W + i];
      v = std::isnan(v) ? 0.0 : std::clamp(v, 0.0, 1.0);
      out[size_t(i * C + ch)] = uint8_t(std::lround(v * 255.0));
    }
  return out;
}

}  // namespace

void write_png(const std::string& path, const Tensor& image) {
  CAJAL_CHECK(image.defined() && (image.dim() == 2 || image.dim() == 3), "write_png",
              "expected an image [H, W] or [C, H, W], got {}", image.defined() ? shape_str(image.shape()) : "none");
  Tensor chw = image.dim() == 2 ? image.unsqueeze(0) : image;
  int64_t C = chw.size(0), H = chw.size(1), W = chw.size(2);
  CAJAL_CHECK(C == 1 || C == 3, "write_png", "expected 1 (grey) or 3 (RGB) channels, got {} (shape {})", C,
              shape_str(image.shape()));
  CAJAL_CHECK(H >= 1 && W >= 1 && H <= (1 << 20) && W <= (1 << 20), "write_png",
              "expected image sides in [1, 2^20], got {}", shape_str(image.shape()));
  std::vector<uint8_t> bytes = interleaved_bytes(chw);

  detail::AtomicFile file(path, "write_png");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  CAJAL_CHECK_KIND(png && info, Runtime, "write_png", "libpng could not allocate its state for {}", path);
  // NB: libpng reports errors by longjmp; nothing with a destructor is created between here and
  // the end of the writes, and the AtomicFile's destructor removes the temporary file after.
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    CAJAL_FAIL(IO, "write_png", "libpng failed while writing {}", path);
  }
  png_set_write_fn(png, &file, write_to_atomic_file, no_flush);
  png_set_IHDR(png, info, png_uint_32(W), png_uint_32(H), 8, C == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int64_t y = 0; y < H; ++y) png_write_row(png, bytes.data() + y * W * C);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  file.commit();
}

Tensor image_grid(const Tensor& images, int64_t cols, int64_t pad, double pad_value) {
  CAJAL_CHECK(images.defined() && images.dim() == 4, "image_grid", "expected images [N, C, H, W], got {}",
              images.defined() ? shape_str(images.shape()) : "none");
  CAJAL_CHECK(cols >= 1 && pad >= 0, "image_grid", "expected cols >= 1 and pad >= 0, got cols {} pad {}", cols, pad);
  int64_t N = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  CAJAL_CHECK(N >= 1, "image_grid", "expected at least one image, got shape {}", shape_str(images.shape()));
  cols = std::min(cols, N);
  int64_t rows = (N + cols - 1) / cols;
  Tensor src = images.detach().to(DType::f32).contiguous();
  Tensor grid = full({C, rows * (H + pad) + pad, cols * (W + pad) + pad}, pad_value, DType::f32);
  const float* s = src.data_ptr<float>();
  float* g = grid.data_ptr<float>();
  int64_t GH = grid.size(1), GW = grid.size(2);
  for (int64_t n = 0; n < N; ++n) {
    int64_t top = pad + (n / cols) * (H + pad), left = pad + (n % cols) * (W + pad);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        std::copy_n(s + ((n * C + c) * H + y) * W, W, g + (c * GH + top + y) * GW + left);
  }
  return grid;
}

}  // namespace cajal::io
