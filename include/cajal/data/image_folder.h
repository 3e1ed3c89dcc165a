// PNG images and image folders: read_png decodes one file through libpng, read_image_folder a
// folder of images in one sub-folder per class (root/cat/1.png, root/dog/7.png: class names are
// the sub-folder names, sorted, and a class's index is its position in that order).
//
//   auto d = data::read_image_folder("pets", {.channels = 1, .sizes = data::SizePolicy::Resize});
//   data::TensorDataset ds(d.images, d.labels);  // images float32 [N, 1, H, W] in [0, 1]
//
// Files are taken in sorted order, so the same folder always gives the same tensors. Names
// starting with '.' (.DS_Store, editors' swap files) are skipped; every other file must be a PNG.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal::data {

// One PNG as uint8 [C, H, W], C = channels: 1 (grey) or 3 (RGB); 0 keeps the file's own (1 for
// grey or grey+alpha, 3 for RGB, RGBA and palette images). Palettes are expanded, 16-bit samples
// reduced to 8, alpha composited onto black, colour turned grey by luminance when C = 1.
// Throws cajal::Error (ErrorKind::IO) naming the path: a missing file, a file that is not a PNG
// ("not a PNG file: expected the 8-byte PNG signature 89 50 4e 47 0d 0a 1a 0a, got ..."), a
// truncated or corrupt one (libpng's reason), or absurd dimensions.
Tensor read_png(const std::string& path, int64_t channels = 0);

// Bilinear resize of a float image [C, H, W] to [C, height, width] (align_corners = false, no
// antialiasing: PyTorch's F.interpolate(mode="bilinear")).
Tensor resize_bilinear(const Tensor& chw, int64_t height, int64_t width);

// What to do when the images of a folder differ in size.
enum class SizePolicy {
  Reject,  // an error naming the first file whose size differs and both sizes
  Resize,  // bilinear resize to (height, width), or to the first image's size when those are 0
};

struct ImageFolderOptions {
  int64_t channels = 0;  // 1 or 3; 0: 3 when any image is in colour, else 1
  SizePolicy sizes = SizePolicy::Reject;
  int64_t height = 0, width = 0;  // resize every image to this (both > 0), whatever `sizes` says
};

struct ImageFolderData {
  Tensor images;                     // float32 [N, C, H, W], byte / 255
  Tensor labels;                     // int64 [N], indices into classes
  std::vector<std::string> classes;  // the sub-folder names, sorted
  std::vector<std::string> files;    // the path of each image, in order
};

// Throws cajal::Error naming the path: a missing root, a root without sub-folders, an empty class
// folder (its name), a file that is not a PNG or cannot be decoded, sizes that differ under
// SizePolicy::Reject.
ImageFolderData read_image_folder(const std::string& root, const ImageFolderOptions& options = {});

}  // namespace cajal::data
