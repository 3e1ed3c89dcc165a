// Image grids for the generative tasks and `cajal sample` (pictures.h).
#include "cajal/models/generative/pictures.h"

#include <algorithm>

#include "cajal/io/png.h"
#include "cajal/ops/ops.h"

namespace cajal::models::generative {

void write_grid(const std::string& path, const Tensor& images, const std::vector<int64_t>& chw, int64_t cols) {
  CAJAL_CHECK(chw.size() == 3, "write_grid", "expected an image shape [C, H, W], got {} sizes", chw.size());
  const int64_t per = chw[0] * chw[1] * chw[2];
  CAJAL_CHECK(images.dim() >= 1 && images.numel() == images.size(0) * per, "write_grid",
              "expected images of {} values each, got shape {}", per, shape_str(images.shape()));
  Tensor grid = io::image_grid(images.detach().contiguous().reshape({images.size(0), chw[0], chw[1], chw[2]}),
                               std::max<int64_t>(1, cols));
  io::write_png(path, grid);
}

Tensor first_inputs(const data::Dataset& dataset, int64_t n) {
  std::vector<int64_t> idx;
  for (int64_t i = 0; i < std::min(n, dataset.size()); ++i) idx.push_back(i);
  return dataset.get_batch(idx).input;
}

}  // namespace cajal::models::generative
