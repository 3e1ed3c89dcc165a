// read_png, resize_bilinear and read_image_folder: grey and RGB files written by io::write_png,
// channel conversion, sizes rejected or resized, and the errors for broken folders (non-PNG and
// truncated files, empty class folders, stray files) naming the path.
#include <filesystem>

#include "cajal/data/image_folder.h"
#include "cajal/io/png.h"
#include "cajal/ops/ops.h"
#include "data_io_test_util.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::data;
using namespace cajal::test;
namespace fs = std::filesystem;

namespace {

// A uint8 image [C, H, W] whose bytes are base, base+1, ... (mod 256).
Tensor ramp(int64_t C, int64_t H, int64_t W, int base) {
  std::vector<double> v;
  for (int64_t i = 0; i < C * H * W; ++i) v.push_back(double((base + i) % 256));
  return from_vector(v, {C, H, W}, DType::u8);
}

void write_image(const std::string& path, const Tensor& image) {
  fs::create_directories(fs::path(path).parent_path());
  io::write_png(path, image);
}

std::vector<double> unit(const Tensor& bytes) {
  std::vector<double> v = bytes.to_vector<double>();
  for (double& x : v) x = float(x) * (1.0f / 255.0f);
  return v;
}

}  // namespace

TEST(ReadPng, GreyAndRgbRoundTripExactly) {
  TempDir dir;
  const Tensor grey = ramp(1, 3, 4, 10), rgb = ramp(3, 2, 5, 200);
  write_image(dir.file("g.png"), grey);
  write_image(dir.file("c.png"), rgb);
  Tensor g = read_png(dir.file("g.png"));
  EXPECT_EQ(g.dtype(), DType::u8);
  EXPECT_EQ(g.shape(), (Shape{1, 3, 4}));
  EXPECT_EQ(g.to_vector<int64_t>(), grey.to_vector<int64_t>());
  Tensor c = read_png(dir.file("c.png"));
  EXPECT_EQ(c.shape(), (Shape{3, 2, 5}));
  EXPECT_EQ(c.to_vector<int64_t>(), rgb.to_vector<int64_t>());
  // Grey asked as RGB repeats the plane; a pure-red pixel asked as grey is libpng's luminance.
  Tensor g3 = read_png(dir.file("g.png"), 3);
  EXPECT_EQ(g3.shape(), (Shape{3, 3, 4}));
  EXPECT_EQ(g3.select(0, 2).to_vector<int64_t>(), grey.select(0, 0).to_vector<int64_t>());
  Tensor red = from_vector(std::vector<double>{255, 0, 0}, {3, 1, 1}, DType::u8);
  write_image(dir.file("red.png"), red);
  const int64_t luma = read_png(dir.file("red.png"), 1).to_vector<int64_t>()[0];
  // libpng converts in linear light: Y = 0.2126 of linear red, sRGB-encoded again: 0.2126 -> 127/255.
  EXPECT_GE(luma, 124);
  EXPECT_LE(luma, 130);
}

TEST(ReadPng, BrokenFilesNameThePath) {
  TempDir dir;
  write_image(dir.file("ok.png"), ramp(3, 16, 16, 0));
  const Bytes good = read_bytes(dir.file("ok.png"));
  write_bytes(dir.file("text.png"), "hello, not an image\n");
  const std::string text_path = dir.file("text.png");
  EXPECT_CAJAL_ERROR(read_png(text_path), "read_png", text_path.c_str(), "not a PNG file",
                     "at byte 0, got 68 65 6c 6c 6f 2c 20 6e");
  write_bytes(dir.file("empty.png"), "");
  EXPECT_CAJAL_ERROR(read_png(dir.file("empty.png")), "not a PNG file", "got an empty file");
  write_bytes(dir.file("cut.png"), good.substr(0, good.size() / 2));
  const std::string cut_path = dir.file("cut.png");
  EXPECT_CAJAL_ERROR(read_png(cut_path), cut_path.c_str(), "corrupt or truncated PNG", "16x16",
                     "libpng:");
  write_bytes(dir.file("header.png"), good.substr(0, 20));
  const std::string header_path = dir.file("header.png");
  EXPECT_CAJAL_ERROR(read_png(header_path), header_path.c_str(), "libpng:");
  Bytes flipped = good;
  flipped[20] = char(flipped[20] ^ 0x55);  // inside IHDR: its CRC no longer matches
  write_bytes(dir.file("crc.png"), flipped);
  const std::string crc_path = dir.file("crc.png");
  EXPECT_CAJAL_ERROR(read_png(crc_path), crc_path.c_str(), "libpng:");
  EXPECT_EQ(error_kind([&] { read_png(dir.file("absent.png")); }), ErrorKind::IO);
  EXPECT_CAJAL_ERROR(read_png(dir.file("absent.png")), "absent.png not found");
  EXPECT_CAJAL_ERROR(read_png(dir.file("ok.png"), 2), "expected channels 0");
}

TEST(ResizeBilinear, MatchesPyTorchsHalfPixelRule) {
  // [1, 2, 2] -> [1, 4, 4]: F.interpolate(x, size=4, mode="bilinear", align_corners=False).
  Tensor x = from_vector(std::vector<float>{0, 1, 2, 3}, {1, 2, 2});
  Tensor y = resize_bilinear(x, 4, 4);
  std::vector<float> expected = {0.0f, 0.25f, 0.75f, 1.0f, 0.5f, 0.75f, 1.25f, 1.5f,
                                 1.5f, 1.75f, 2.25f, 2.5f, 2.0f, 2.25f, 2.75f, 3.0f};
  EXPECT_EQ(y.shape(), (Shape{1, 4, 4}));
  EXPECT_EQ(y.to_vector<float>(), expected);
  // Same size: the identity. Downsampling 4 -> 2 averages the middle pairs.
  EXPECT_EQ(resize_bilinear(x, 2, 2).to_vector<float>(), x.to_vector<float>());
  Tensor row = from_vector(std::vector<float>{0, 10, 20, 30}, {1, 1, 4});
  EXPECT_EQ(resize_bilinear(row, 1, 2).to_vector<float>(), (std::vector<float>{5, 25}));
  EXPECT_CAJAL_ERROR(resize_bilinear(x, 0, 3), "resize_bilinear", "positive output size");
}

TEST(ReadImageFolder, ClassesFromSortedSubfoldersAndValuesInUnitRange) {
  TempDir dir;
  const std::string root = dir.file("pets");
  const Tensor a = ramp(1, 2, 3, 0), b = ramp(1, 2, 3, 100), c = ramp(1, 2, 3, 250);
  write_image(root + "/dog/b.png", b);
  write_image(root + "/cat/z.png", c);
  write_image(root + "/cat/a.png", a);
  write_bytes(root + "/cat/.DS_Store", "junk");  // hidden: skipped
  ImageFolderData d = read_image_folder(root);
  EXPECT_EQ(d.classes, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(d.labels.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(d.files, (std::vector<std::string>{root + "/cat/a.png", root + "/cat/z.png", root + "/dog/b.png"}));
  EXPECT_EQ(d.images.dtype(), DType::f32);
  EXPECT_EQ(d.images.shape(), (Shape{3, 1, 2, 3}));
  std::vector<double> expected = unit(a), more = unit(c), last = unit(b);
  expected.insert(expected.end(), more.begin(), more.end());
  expected.insert(expected.end(), last.begin(), last.end());
  EXPECT_EQ(vals(d.images), expected);
}

TEST(ReadImageFolder, ChannelsAgreeGreyBecomesRgbWhenAnyIsColour) {
  TempDir dir;
  const std::string root = dir.file("mix");
  write_image(root + "/a/grey.png", ramp(1, 2, 2, 7));
  write_image(root + "/b/rgb.png", ramp(3, 2, 2, 40));
  ImageFolderData d = read_image_folder(root);
  EXPECT_EQ(d.images.shape(), (Shape{2, 3, 2, 2}));
  // The grey image's three planes are its one plane.
  const std::vector<double> plane = unit(ramp(1, 2, 2, 7));
  for (int64_t ch = 0; ch < 3; ++ch) EXPECT_EQ(vals(d.images.select(0, 0).select(0, ch)), plane);
  EXPECT_EQ(vals(d.images.select(0, 1)), unit(ramp(3, 2, 2, 40)));
  ImageFolderData g = read_image_folder(root, {.channels = 1});
  EXPECT_EQ(g.images.shape(), (Shape{2, 1, 2, 2}));
  EXPECT_EQ(vals(g.images.select(0, 0)), plane);
}

TEST(ReadImageFolder, MixedSizesRejectedOrResized) {
  TempDir dir;
  const std::string root = dir.file("sizes");
  write_image(root + "/a/1.png", ramp(1, 2, 2, 0));
  write_image(root + "/b/2.png", ramp(1, 4, 4, 0));
  const std::string second = root + "/b/2.png";
  EXPECT_CAJAL_ERROR(read_image_folder(root), "read_image_folder", second.c_str(), "image is 4x4", "is 2x2",
                     "on-size-mismatch=resize");
  ImageFolderData r = read_image_folder(root, {.sizes = SizePolicy::Resize});
  EXPECT_EQ(r.images.shape(), (Shape{2, 1, 2, 2}));
  Tensor expected = resize_bilinear(from_vector(unit(ramp(1, 4, 4, 0)), {1, 4, 4}, DType::f32), 2, 2);
  EXPECT_TENSOR_NEAR(r.images.select(0, 1), expected, 1e-7);
  ImageFolderData t = read_image_folder(root, {.height = 3, .width = 5});
  EXPECT_EQ(t.images.shape(), (Shape{2, 1, 3, 5}));
  EXPECT_CAJAL_ERROR(read_image_folder(root, {.height = 3}), "both sides positive");
}

TEST(ReadImageFolder, BrokenFoldersNameTheFileOrClass) {
  TempDir dir;
  const std::string root = dir.file("broken");
  write_image(root + "/cat/1.png", ramp(1, 2, 2, 0));
  fs::create_directories(root + "/dog");
  EXPECT_CAJAL_ERROR(read_image_folder(root), "class folder 'dog' holds no images");
  write_bytes(root + "/dog/notes.txt", "a dog\n");
  const std::string notes = root + "/dog/notes.txt";
  EXPECT_CAJAL_ERROR(read_image_folder(root), notes.c_str(), "not a PNG file");
  write_image(root + "/dog/notes.txt", ramp(1, 2, 2, 1));  // a PNG by content, whatever its name
  EXPECT_EQ(read_image_folder(root).images.size(0), 2);
  const Bytes png = read_bytes(root + "/cat/1.png");
  write_bytes(root + "/cat/2.png", png.substr(0, png.size() - 20));
  const std::string cut = root + "/cat/2.png";
  EXPECT_CAJAL_ERROR(read_image_folder(root), cut.c_str(), "libpng:");
  fs::remove(cut);
  write_bytes(root + "/README", "stray file\n");
  EXPECT_CAJAL_ERROR(read_image_folder(root), "README", "expected only class sub-folders");
  EXPECT_CAJAL_ERROR(read_image_folder(dir.file("none")), "none is not a directory");
  fs::create_directories(dir.file("flat"));
  EXPECT_CAJAL_ERROR(read_image_folder(dir.file("flat")), "holds no class sub-folders");
}
