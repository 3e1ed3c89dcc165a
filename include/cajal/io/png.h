// PNG images (libpng), for the pictures tasks write: reconstructions, samples, adversarial grids.
// Written atomically (temporary file + rename), like every file cajal writes.
#pragma once
#include <string>

#include "cajal/core/tensor.h"

namespace cajal::io {

// Writes `image` as an 8-bit PNG: [H, W] or [1, H, W] grey, [3, H, W] RGB. Floating images are
// read as values in [0, 1] (clamped, so a reconstruction that overshoots still saves); uint8
// images are written as they are. Throws cajal::Error (IO) naming the path when it cannot write.
void write_png(const std::string& path, const Tensor& image);

// Tiles images [N, C, H, W] into one [C, rows*H + gaps, cols*W + gaps] image, `cols` per row, with
// `pad` pixels of `pad_value` between and around them (torchvision's make_grid).
Tensor image_grid(const Tensor& images, int64_t cols, int64_t pad = 2, double pad_value = 1.0);

}  // namespace cajal::io
