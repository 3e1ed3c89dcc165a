// IDX folders (see cajal/data/idx_folder.h): find the four files by their role, read them with
// read_idx (which owns every byte-level check and message), then check that they agree.
#include "cajal/data/idx_folder.h"

#include <algorithm>
#include <filesystem>
#include <regex>
#include <vector>

#include "cajal/data/idx.h"

namespace cajal::data {

namespace fs = std::filesystem;

namespace {

constexpr const char* kOp = "read_idx_folder";

struct Role {
  const char* option;  // the override's name, for messages: "train-images"
  const char* split;   // regex alternatives for the split's word
  const char* kind;    // "images" | "labels"
};
constexpr Role kTrainImages{"train-images", "train", "images"}, kTrainLabels{"train-labels", "train", "labels"},
    kTestImages{"test-images", "t10k|test", "images"}, kTestLabels{"test-labels", "t10k|test", "labels"};

std::vector<std::string> regular_files(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file()) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

bool matches(const std::string& name, const Role& role) {
  // "...train-images-idx3-ubyte", "...train-images.idx3-ubyte", optionally ".gz", any case.
  const std::regex re(std::string("(^|.*[-_.])(") + role.split + ")[-_.]" + role.kind + "[-_.]idx[0-9][-_.]ubyte(\\.gz)?",
                      std::regex::icase);
  return std::regex_match(name, re);
}

std::string locate(const std::string& dir, const std::vector<std::string>& files, const Role& role,
                   const std::string& given) {
  if (!given.empty()) {
    std::string p = fs::path(given).is_absolute() ? given : (fs::path(dir) / given).string();
    std::error_code ec;
    CAJAL_CHECK_KIND(fs::is_regular_file(p, ec), IO, kOp, "{} ({}) not found", p, role.option);
    return p;
  }
  std::vector<std::string> hits;
  for (const auto& f : files)
    if (matches(f, role)) hits.push_back(f);
  const std::string listing = files.empty() ? "none" : fmt::format("{}", fmt::join(files, ", "));
  CAJAL_CHECK_KIND(!hits.empty(), IO, kOp,
                   "{}: no {} file (expected a name like {}-{}-idx{}-ubyte[.gz]); files there: {}", dir, role.option,
                   std::string(role.split).substr(0, std::string(role.split).find('|')), role.kind,
                   std::string(role.kind) == "images" ? 3 : 1, listing);
  // The same file raw and gzipped is one file.
  if (hits.size() == 2 && hits[1] == hits[0] + ".gz") hits.pop_back();
  CAJAL_CHECK_KIND(hits.size() == 1, IO, kOp, "{}: {} files could be the {} ({}); name one with {}=FILE", dir,
                   hits.size(), role.option, fmt::join(hits, ", "), role.option);
  return (fs::path(dir) / hits[0]).string();
}

Tensor read_images(const std::string& path) {
  Tensor t = read_idx(path);
  CAJAL_CHECK_KIND(t.dim() >= 2 && t.dim() <= 4, IO, kOp,
                   "{}: expected images [N, H, W], [N, C, H, W] or features [N, F], got {} dimensions {}", path,
                   t.dim(), shape_str(t.shape()));
  CAJAL_CHECK_KIND(t.dtype() == DType::u8 || is_floating(t.dtype()), IO, kOp,
                   "{}: expected uint8 or float images, got {} (IDX type code at byte 2)", path, dtype_name(t.dtype()));
  Tensor f = t.dtype() == DType::u8 ? t.to(DType::f32).mul_(1.0 / 255.0) : t.to(DType::f32);
  return t.dim() == 3 ? f.unsqueeze(1).contiguous() : f;
}

Tensor read_labels(const std::string& path) {
  Tensor t = read_idx(path);
  CAJAL_CHECK_KIND(t.dim() == 1, IO, kOp, "{}: expected labels [N], got {} dimensions {}", path, t.dim(),
                   shape_str(t.shape()));
  CAJAL_CHECK_KIND(t.dtype() == DType::u8 || t.dtype() == DType::i64, IO, kOp,
                   "{}: expected integer class labels, got {} elements", path, dtype_name(t.dtype()));
  Tensor l = t.to(DType::i64).contiguous();
  const int64_t* p = l.data_ptr<int64_t>();
  for (int64_t i = 0; i < l.numel(); ++i)
    CAJAL_CHECK_KIND(p[i] >= 0, IO, kOp, "{}: label {} of example {} is negative; expected class indices >= 0", path,
                     p[i], i);
  return l;
}

int64_t max_label(const Tensor& l) {
  const int64_t* p = l.data_ptr<int64_t>();
  return l.numel() ? *std::max_element(p, p + l.numel()) : -1;
}

}  // namespace

bool looks_like_idx_folder(const std::string& dir) {
  for (const auto& f : regular_files(dir))
    if (matches(f, kTrainImages) || matches(f, kTestImages)) return true;
  return false;
}

IdxFolderData read_idx_folder(const std::string& dir, const IdxFolderOptions& options) {
  std::error_code ec;
  CAJAL_CHECK_KIND(fs::is_directory(dir, ec), IO, kOp, "{} is not a directory", dir);
  const std::vector<std::string> files = regular_files(dir);
  IdxFolderData d;
  d.train_images_path = locate(dir, files, kTrainImages, options.train_images);
  d.train_labels_path = locate(dir, files, kTrainLabels, options.train_labels);
  d.test_images_path = locate(dir, files, kTestImages, options.test_images);
  d.test_labels_path = locate(dir, files, kTestLabels, options.test_labels);
  d.train_images = read_images(d.train_images_path);
  d.train_labels = read_labels(d.train_labels_path);
  d.test_images = read_images(d.test_images_path);
  d.test_labels = read_labels(d.test_labels_path);
  for (const auto& [images, labels, ip, lp] :
       {std::tuple{&d.train_images, &d.train_labels, &d.train_images_path, &d.train_labels_path},
        std::tuple{&d.test_images, &d.test_labels, &d.test_images_path, &d.test_labels_path}})
    CAJAL_CHECK_KIND(images->size(0) == labels->size(0), IO, kOp, "{} holds {} images but {} holds {} labels", *ip,
                     images->size(0), *lp, labels->size(0));
  Shape train_example(d.train_images.shape().begin() + 1, d.train_images.shape().end());
  Shape test_example(d.test_images.shape().begin() + 1, d.test_images.shape().end());
  CAJAL_CHECK_KIND(train_example == test_example, IO, kOp, "{} holds examples of shape {} but {} holds {}",
                   d.train_images_path, shape_str(train_example), d.test_images_path, shape_str(test_example));
  CAJAL_CHECK_KIND(d.train_images.size(0) > 0, IO, kOp, "{} holds no images", d.train_images_path);
  d.num_classes = std::max(max_label(d.train_labels), max_label(d.test_labels)) + 1;
  return d;
}

}  // namespace cajal::data
