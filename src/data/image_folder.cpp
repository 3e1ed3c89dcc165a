// PNG decoding through libpng's simplified API (png_image_*: palettes, bit depths, alpha and
// grey/colour conversion handled by libpng), bilinear resizing, and the one-folder-per-class
// layout (see cajal/data/image_folder.h).
// NB: the file is read into memory first, so its signature is checked by us (a clear "not a PNG"
// message) and libpng never sees a path it could fail to open.
#include "cajal/data/image_folder.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace cajal::data {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPngOp = "read_png";
constexpr const char* kFolderOp = "read_image_folder";
constexpr unsigned char kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
// Beyond this many pixels a PNG is not a training image (a corrupt header, or a photograph that
// wants resizing before it becomes a dataset).
constexpr uint64_t kMaxPixels = uint64_t(1) << 26;

std::string read_file_bytes(const std::string& path) {
  std::error_code ec;
  CAJAL_CHECK_KIND(fs::exists(path, ec), IO, kPngOp, "{} not found", path);
  CAJAL_CHECK_KIND(fs::is_regular_file(path, ec), IO, kPngOp, "{} is not a regular file", path);
  std::ifstream f(path, std::ios::binary);
  CAJAL_CHECK_KIND(bool(f), IO, kPngOp, "{}: cannot open it for reading ({})", path, std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  CAJAL_CHECK_KIND(!f.bad(), IO, kPngOp, "{}: read error ({})", path, std::strerror(errno));
  return bytes;
}

std::string hex_bytes(const std::string& b, size_t n) {
  std::string s;
  for (size_t i = 0; i < std::min(n, b.size()); ++i) s += fmt::format("{}{:02x}", i ? " " : "", uint8_t(b[i]));
  return s.empty() ? "an empty file" : s;
}

// A decoded image of either channel count, before it is placed in the folder's tensor.
struct Decoded {
  int64_t channels = 0, height = 0, width = 0;
  std::vector<uint8_t> hwc;  // rows, channels interleaved (libpng's layout)
};

// The file's own channel count (1 or 3) when `channels` is 0.
Decoded decode_png(const std::string& path, int64_t channels) {
  CAJAL_CHECK(channels == 0 || channels == 1 || channels == 3, kPngOp,
              "expected channels 0 (the file's own), 1 (grey) or 3 (RGB), got {}", channels);
  const std::string bytes = read_file_bytes(path);
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kPngSignature, 8) != 0)
    CAJAL_FAIL(IO, kPngOp, "{}: not a PNG file: expected the 8-byte PNG signature 89 50 4e 47 0d 0a 1a 0a at byte 0, "
                           "got {}", path, hex_bytes(bytes, 8));
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) {
    std::string why = image.message;
    png_image_free(&image);
    CAJAL_FAIL(IO, kPngOp, "{}: corrupt PNG header ({} bytes): libpng: {}", path, bytes.size(), why);
  }
  Decoded d;
  d.channels = channels ? channels : (image.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
  d.height = image.height;
  d.width = image.width;
  if (uint64_t(d.height) * uint64_t(d.width) > kMaxPixels) {
    png_image_free(&image);
    CAJAL_FAIL(IO, kPngOp, "{}: {}x{} pixels is more than the {} a training image may have", path, d.width, d.height,
               kMaxPixels);
  }
  image.format = d.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  d.hwc.assign(PNG_IMAGE_SIZE(image), 0);  // NB: zeros: alpha composites onto this buffer, i.e. black
  if (!png_image_finish_read(&image, nullptr, d.hwc.data(), 0, nullptr)) {
    std::string why = image.message;
    png_image_free(&image);
    CAJAL_FAIL(IO, kPngOp, "{}: corrupt or truncated PNG ({} bytes, {}x{}): libpng: {}", path, bytes.size(), d.width,
               d.height, why);
  }
  return d;
}

// [C, H, W] float32 in [0, 1] from interleaved bytes.
void to_chw_unit(const Decoded& d, float* dst) {
  const int64_t C = d.channels, HW = d.height * d.width;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t i = 0; i < HW; ++i) dst[c * HW + i] = float(d.hwc[size_t(i * C + c)]) * (1.0f / 255.0f);
}

// A grey image as RGB (its plane three times): a folder mixing grey and colour images becomes RGB.
// NB: colour to grey is libpng's job (decode_png with channels 1: luminance in linear light).
Decoded grey_to_rgb(Decoded d) {
  if (d.channels == 3) return d;
  const int64_t HW = d.height * d.width;
  std::vector<uint8_t> out(size_t(HW * 3));
  for (int64_t i = 0; i < HW; ++i) out[size_t(3 * i)] = out[size_t(3 * i + 1)] = out[size_t(3 * i + 2)] = d.hwc[size_t(i)];
  d.hwc = std::move(out);
  d.channels = 3;
  return d;
}

bool hidden(const fs::path& p) { return p.filename().string().starts_with("."); }

}  // namespace

Tensor read_png(const std::string& path, int64_t channels) {
  Decoded d = decode_png(path, channels);
  Tensor out = make_tensor({d.channels, d.height, d.width}, DType::u8);
  uint8_t* dst = out.data_ptr<uint8_t>();
  const int64_t C = d.channels, HW = d.height * d.width;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t i = 0; i < HW; ++i) dst[c * HW + i] = d.hwc[size_t(i * C + c)];
  return out;
}

Tensor resize_bilinear(const Tensor& chw, int64_t height, int64_t width) {
  CAJAL_CHECK(chw.defined() && chw.dim() == 3, "resize_bilinear", "expected an image [C, H, W], got {}",
              chw.defined() ? shape_str(chw.shape()) : "none");
  CAJAL_CHECK(height >= 1 && width >= 1, "resize_bilinear", "expected a positive output size, got {}x{}", height,
              width);
  const int64_t C = chw.size(0), H = chw.size(1), W = chw.size(2);
  Tensor src = chw.to(DType::f32).contiguous();
  Tensor out = make_tensor({C, height, width}, DType::f32);
  const float* s = src.data_ptr<float>();
  float* o = out.data_ptr<float>();
  // Source coordinate of output pixel i: (i + 0.5) * in / out - 0.5, clamped at 0 (PyTorch's rule).
  auto coord = [](int64_t i, int64_t in, int64_t n, int64_t& i0, int64_t& i1, float& t) {
    float x = std::max(0.0f, (float(i) + 0.5f) * float(in) / float(n) - 0.5f);
    i0 = std::min(int64_t(x), in - 1);
    i1 = std::min(i0 + 1, in - 1);
    t = x - float(i0);
  };
  for (int64_t y = 0; y < height; ++y) {
    int64_t y0, y1;
    float ty;
    coord(y, H, height, y0, y1, ty);
    for (int64_t x = 0; x < width; ++x) {
      int64_t x0, x1;
      float tx;
      coord(x, W, width, x0, x1, tx);
      for (int64_t c = 0; c < C; ++c) {
        const float* p = s + c * H * W;
        float top = p[y0 * W + x0] * (1 - tx) + p[y0 * W + x1] * tx;
        float bottom = p[y1 * W + x0] * (1 - tx) + p[y1 * W + x1] * tx;
        o[(c * height + y) * width + x] = top * (1 - ty) + bottom * ty;
      }
    }
  }
  return out;
}

ImageFolderData read_image_folder(const std::string& root, const ImageFolderOptions& options) {
  CAJAL_CHECK(options.channels == 0 || options.channels == 1 || options.channels == 3, kFolderOp,
              "expected channels 0 (automatic), 1 (grey) or 3 (RGB), got {}", options.channels);
  CAJAL_CHECK((options.height == 0) == (options.width == 0) && options.height >= 0 && options.width >= 0, kFolderOp,
              "expected a resize target with both sides positive (or both 0), got {}x{}", options.height,
              options.width);
  std::error_code ec;
  CAJAL_CHECK_KIND(fs::is_directory(root, ec), IO, kFolderOp, "{} is not a directory", root);

  ImageFolderData out;
  std::vector<std::pair<std::string, std::vector<std::string>>> classes;
  for (const auto& e : fs::directory_iterator(root)) {
    if (hidden(e.path())) continue;
    CAJAL_CHECK_KIND(e.is_directory(), IO, kFolderOp,
                     "{}: expected only class sub-folders in {} (one per class, holding its PNG images)",
                     e.path().string(), root);
    classes.push_back({e.path().filename().string(), {}});
  }
  CAJAL_CHECK_KIND(!classes.empty(), IO, kFolderOp,
                   "{} holds no class sub-folders (expected {}/<class>/<image>.png, one sub-folder per class)", root,
                   root);
  std::sort(classes.begin(), classes.end());
  for (auto& [name, files] : classes) {
    for (const auto& e : fs::directory_iterator(fs::path(root) / name))
      if (!hidden(e.path())) files.push_back(e.path().string());
    CAJAL_CHECK_KIND(!files.empty(), IO, kFolderOp, "{}: class folder '{}' holds no images",
                     (fs::path(root) / name).string(), name);
    std::sort(files.begin(), files.end());
  }

  // Decode everything at the file's own channel count, then agree on channels and size.
  std::vector<Decoded> images;
  std::vector<int64_t> labels;
  bool any_colour = false;
  for (size_t k = 0; k < classes.size(); ++k) {
    out.classes.push_back(classes[k].first);
    for (const std::string& f : classes[k].second) {
      std::error_code fec;
      CAJAL_CHECK_KIND(fs::is_regular_file(f, fec), IO, kFolderOp, "{}: expected a PNG file, got a directory or "
                       "special file (class folders hold images only)", f);
      images.push_back(decode_png(f, options.channels));
      any_colour = any_colour || images.back().channels == 3;
      labels.push_back(int64_t(k));
      out.files.push_back(f);
    }
  }
  const int64_t C = options.channels ? options.channels : any_colour ? 3 : 1;
  const bool resize_to_target = options.height > 0;
  const int64_t H = resize_to_target ? options.height : images[0].height;
  const int64_t W = resize_to_target ? options.width : images[0].width;
  if (!resize_to_target && options.sizes == SizePolicy::Reject)
    for (size_t i = 0; i < images.size(); ++i)
      CAJAL_CHECK_KIND(images[i].height == H && images[i].width == W, IO, kFolderOp,
                       "{}: image is {}x{} (width x height), but {} is {}x{}; every image must have the same size "
                       "(or resize them: on-size-mismatch=resize, or image-size=HxW)",
                       out.files[i], images[i].width, images[i].height, out.files[0], W, H);

  out.images = make_tensor({int64_t(images.size()), C, H, W}, DType::f32);
  float* dst = out.images.data_ptr<float>();
  for (size_t i = 0; i < images.size(); ++i, dst += C * H * W) {
    // Channels differ only when C is 3 by default and this image is grey.
    Decoded d = images[i].channels == C ? std::move(images[i]) : grey_to_rgb(std::move(images[i]));
    if (d.height == H && d.width == W) {
      to_chw_unit(d, dst);
      continue;
    }
    Tensor chw = make_tensor({C, d.height, d.width}, DType::f32);
    to_chw_unit(d, chw.data_ptr<float>());
    Tensor r = resize_bilinear(chw, H, W);
    std::memcpy(dst, r.data_ptr<float>(), size_t(C * H * W) * sizeof(float));
  }
  out.labels = make_tensor({int64_t(labels.size())}, DType::i64);
  std::copy(labels.begin(), labels.end(), out.labels.data_ptr<int64_t>());
  return out;
}

}  // namespace cajal::data
