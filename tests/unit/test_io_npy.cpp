// .npy / .npz: round trips, the header layout, Fortran order and big-endian input, corrupt files,
// and a cross-check with NumPy itself (np.save / np.savez / np.savez_compressed both ways).
#include <filesystem>

#include "cajal/io/npy.h"
#include "data_io_test_util.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::io;
using namespace cajal::test;

namespace {

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.contiguous().raw_data(), b.contiguous().raw_data(), size_t(a.numel()) * a.element_size()) == 0;
}

StateDict sample_arrays() {
  return {{"f32", randn({2, 3, 4}, DType::f32)},
          {"f64", tensor({0.1, -2.5e-300, 1e308}, DType::f64)},
          {"i64", from_vector(std::vector<int64_t>{INT64_MIN, 0, INT64_MAX, -5}, {2, 2})},
          {"u8", from_vector(std::vector<double>{0, 128, 255}, {3}, DType::u8)},
          {"b", from_vector(std::vector<double>{1, 0, 0, 1, 1, 1}, {3, 2}, DType::b8)},
          {"scalar", scalar_tensor(-7.5, DType::f64)},
          {"empty", zeros({0, 3})},
          {"view", arange(12.0, DType::f32).reshape({3, 4}).t()}};
}

// A .npy file's bytes from a header dict literal and raw data (version 1.0, padded to 64).
Bytes npy_bytes(const std::string& dict, const Bytes& data) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  uint16_t n = uint16_t(h.size());
  return Bytes("\x93NUMPY\x01\x00", 8) + Bytes(reinterpret_cast<const char*>(&n), 2) + h + data;
}

}  // namespace

TEST(Npy, RoundTripEveryDtype) {
  TempDir dir;
  for (const auto& [name, t] : sample_arrays()) {
    const std::string path = dir.file(name + ".npy");
    save_npy(path, t);
    Tensor back = load_npy(path);
    EXPECT_TRUE(same_bits(back, t)) << name;
  }
}

TEST(Npy, HeaderLayout) {
  TempDir dir;
  const std::string path = dir.file("x.npy");
  save_npy(path, zeros({2, 3}));
  const Bytes b = read_bytes(path);
  EXPECT_EQ(b.substr(0, 8), Bytes("\x93NUMPY\x01\x00", 8));
  uint16_t n;
  std::memcpy(&n, b.data() + 8, 2);
  EXPECT_EQ((10 + n) % 64, 0);
  EXPECT_EQ(b.find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), 10u);
  EXPECT_EQ(b[10 + n - 1], '\n');
  EXPECT_EQ(b.size(), 10u + n + 24);
  save_npy(path, zeros({5}, DType::u8));
  EXPECT_NE(read_bytes(path).find("'descr': '|u1', 'fortran_order': False, 'shape': (5,), }"), std::string::npos);
  save_npy(path, scalar_tensor(1.0, DType::b8));
  EXPECT_NE(read_bytes(path).find("'descr': '|b1', 'fortran_order': False, 'shape': (), }"), std::string::npos);
}

TEST(Npy, FortranOrderAndBigEndianAreConverted) {
  TempDir dir;
  const std::string path = dir.file("f.npy");
  // The 2x3 matrix [[1,2,3],[4,5,6]] stored column-major: 1 4 2 5 3 6.
  std::vector<double> colmajor{1, 4, 2, 5, 3, 6};
  write_bytes(path, npy_bytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                              Bytes(reinterpret_cast<const char*>(colmajor.data()), 48)));
  Tensor t = load_npy(path);
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  // Big-endian int64 258 and float32 1.5; double-quoted keys and a Python-2 long are accepted too.
  write_bytes(path, npy_bytes("{\"descr\": \">i8\", \"fortran_order\": False, \"shape\": (2L,)}",
                              Bytes{0, 0, 0, 0, 0, 0, 1, 2, char(0xFF), char(0xFF), char(0xFF), char(0xFF), char(0xFF), char(0xFF), char(0xFF), char(0xFF)}));
  EXPECT_EQ(load_npy(path).to_vector<int64_t>(), (std::vector<int64_t>{258, -1}));
  write_bytes(path, npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", Bytes{0x3F, char(0xC0), 0, 0}));
  EXPECT_EQ(load_npy(path).item(), 1.5);
}

TEST(Npy, Version2Header) {
  TempDir dir;
  const std::string path = dir.file("v2.npy");
  std::string h = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
  while ((12 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  const uint32_t n = uint32_t(h.size());
  const int64_t data[2] = {-3, 9};
  write_bytes(path, Bytes("\x93NUMPY\x02\x00", 8) + Bytes(reinterpret_cast<const char*>(&n), 4) + h +
                        Bytes(reinterpret_cast<const char*>(data), 16));
  EXPECT_EQ(load_npy(path).to_vector<int64_t>(), (std::vector<int64_t>{-3, 9}));
}

TEST(Npy, CorruptFilesNamePathAndOffset) {
  TempDir dir;
  const std::string p = dir.file("bad.npy");
  const char* P = p.c_str();
  write_bytes(p, Bytes("\x93NUMPY\x01", 7));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "truncated at byte 7: expected 8 bytes of magic and version, got 7");
  write_bytes(p, Bytes("\x93NUMPX\x01\x00\x10\x00", 10));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "bad magic at byte 0");
  write_bytes(p, Bytes("\x93NUMPY\x04\x00\x10\x00", 10));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "unsupported .npy version 4.0 at byte 6");
  write_bytes(p, Bytes("\x93NUMPY\x01\x00\xFF\x00{}", 12));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "header length 255 at byte 8 exceeds the 2 bytes that follow");
  write_bytes(p, npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", "abcd"));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "unsupported dtype '<i4'", "cajal reads <f4, <f8, <i8, |u1 and |b1");
  write_bytes(p, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", Bytes(20, 'x')));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "truncated at byte 148: expected 24 bytes of data after the 128-byte header, got 20");
  write_bytes(p, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", Bytes(6, 'x')));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "2 unexpected bytes after the data at byte 132");
  write_bytes(p, npy_bytes("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", "abcd"));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "bad .npy header at byte 44: expected True or False");
  write_bytes(p, npy_bytes("{'descr': '<f4', 'shape': (1,), }", "abcd"));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "expected the keys 'descr', 'fortran_order' and 'shape'");
  write_bytes(p, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, x), }", "abcd"));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "expected a dimension size");
  write_bytes(p, npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", "abcd"));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "absurd shape");
  write_bytes(p, npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 99999999999, 99999999999), }", ""));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "absurd shape [0, 99999999999, 99999999999]");
  write_bytes(p, npy_bytes("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", Bytes{1, 3}));
  EXPECT_CAJAL_ERROR(load_npy(p), P, "bool value 3 at byte 129");
}

TEST(Npz, RoundTripStored) {
  TempDir dir;
  const std::string path = dir.file("arrays.npz");
  StateDict arrays = sample_arrays();
  save_npz(path, arrays);
  StateDict back = load_npz(path);
  ASSERT_EQ(back.size(), arrays.size());
  for (size_t i = 0; i < arrays.size(); ++i) {
    EXPECT_EQ(back[i].first, arrays[i].first);
    EXPECT_TRUE(same_bits(back[i].second, arrays[i].second)) << arrays[i].first;
  }
  StateDict dup{{"a", zeros({1})}, {"a", zeros({1})}};
  EXPECT_CAJAL_ERROR(save_npz(path, dup), "save_npz", "array name 'a' appears twice");
}

TEST(Npz, ReadsDeflatedEntries) {
  TempDir dir;
  const std::string path = dir.file("c.npz");
  save_npy(dir.file("x.npy"), arange(100.0, DType::f64));
  const Bytes x = read_bytes(dir.file("x.npy"));
  write_bytes(path, deflated_zip({{"x.npy", x}, {"noext", x}}));
  StateDict sd = load_npz(path);
  ASSERT_EQ(sd.size(), 2u);
  EXPECT_EQ(sd[0].first, "x");
  EXPECT_EQ(sd[1].first, "noext");
  EXPECT_TRUE(same_bits(sd[0].second, arange(100.0, DType::f64)));
  Bytes z = deflated_zip({{"x.npy", x}});
  z[30 + 5 + 10] ^= 0x40;  // damage the deflate stream
  write_bytes(path, z);
  EXPECT_CAJAL_ERROR(load_npz(path), path.c_str(), "entry 'x.npy'");
}

TEST(Npz, CorruptArchives) {
  TempDir dir;
  const std::string path = dir.file("a.npz"), bad = dir.file("bad.npz");
  StateDict arrays{{"x", tensor({1, 2, 3})}};
  save_npz(path, arrays);
  const Bytes good = read_bytes(path);
  write_bytes(bad, "PK nothing here at all, definitely not a zip");
  EXPECT_CAJAL_ERROR(load_npz(bad), bad.c_str(), "no end-of-central-directory record");
  Bytes flipped = good;
  flipped[30 + 5 + 70] ^= 0x01;  // a data byte of x.npy: the CRC catches it
  write_bytes(bad, flipped);
  EXPECT_CAJAL_ERROR(load_npz(bad), bad.c_str(), "entry 'x.npy'", "CRC32");
  write_bytes(bad, good.substr(40));
  EXPECT_CAJAL_ERROR(load_npz(bad), bad.c_str());
}

TEST(Npy, NumpyCrossCheck) {
  if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  TempDir dir;
  const std::string d = dir.path();
  // numpy -> cajal
  ASSERT_EQ(run_python(d, "d = '" + d + "'\n"
                          "a = np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.25 - 3\n"
                          "np.save(d + '/a.npy', a)\n"
                          "np.save(d + '/f.npy', np.asfortranarray(np.arange(6.0).reshape(2, 3)))\n"
                          "np.save(d + '/big.npy', np.arange(3, dtype='>i8'))\n"
                          "np.save(d + '/u.npy', np.array([0, 200, 255], dtype=np.uint8))\n"
                          "np.save(d + '/b.npy', np.array([[True, False]]))\n"
                          "np.save(d + '/s.npy', np.float64(3.25))\n"
                          "np.savez(d + '/z.npz', x=a, y=np.array([1, 2], dtype=np.int64))\n"
                          "np.savez_compressed(d + '/zc.npz', x=a, y=np.array([1, 2], dtype=np.int64))\n"),
            0);
  Tensor a = load_npy(d + "/a.npy");
  Tensor expected = arange(24.0, DType::f32).reshape({2, 3, 4}) * 0.25 - 3.0;  // exact in float32
  EXPECT_TRUE(same_bits(a, expected));
  EXPECT_EQ(load_npy(d + "/f.npy").to_vector<double>(), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(load_npy(d + "/f.npy").shape(), (Shape{2, 3}));
  EXPECT_EQ(load_npy(d + "/big.npy").to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(load_npy(d + "/u.npy").to_vector<uint8_t>(), (std::vector<uint8_t>{0, 200, 255}));
  Tensor b = load_npy(d + "/b.npy");
  EXPECT_EQ(b.dtype(), DType::b8);
  EXPECT_EQ(b.shape(), (Shape{1, 2}));
  EXPECT_EQ(load_npy(d + "/s.npy").dim(), 0);
  EXPECT_EQ(load_npy(d + "/s.npy").item(), 3.25);
  for (const char* z : {"/z.npz", "/zc.npz"}) {
    StateDict sd = load_npz(d + z);
    ASSERT_EQ(sd.size(), 2u) << z;
    EXPECT_EQ(sd[0].first, "x");
    EXPECT_TRUE(same_bits(sd[0].second, expected)) << z;
    EXPECT_EQ(sd[1].second.to_vector<int64_t>(), (std::vector<int64_t>{1, 2})) << z;
  }
  // cajal -> numpy: values compared inside Python (exit status 0 = equal).
  StateDict arrays = sample_arrays();
  for (const auto& [name, t] : arrays) save_npy(d + "/c_" + name + ".npy", t);
  save_npz(d + "/c.npz", arrays);
  std::string check = "d = '" + d + "'\nimport sys\nz = np.load(d + '/c.npz')\n";
  for (const auto& [name, t] : arrays) {
    // The expected array, built in Python from exact decimal values (float32 values are exact doubles).
    const bool integer = t.dtype() == DType::i64;
    const std::string values = integer ? fmt::format("{}", fmt::join(t.to_vector<int64_t>(), ", "))
                                       : fmt::format("{}", fmt::join(t.to_vector<double>(), ", "));
    const std::string np_dtype = t.dtype() == DType::f32 ? "np.float32"
                                 : t.dtype() == DType::f64 ? "np.float64"
                                 : t.dtype() == DType::i64 ? "np.int64"
                                 : t.dtype() == DType::u8  ? "np.uint8"
                                                           : "np.bool_";
    const std::string shape = fmt::format("({}{})", fmt::join(t.shape(), ", "), t.dim() == 1 ? "," : "");
    check += fmt::format(
        "e = np.array([{}], dtype={}).astype({}).reshape({})\n"
        "for a in (np.load(d + '/c_{}.npy'), z['{}']):\n"
        "    if a.dtype != e.dtype or a.shape != e.shape or not np.array_equal(a, e):\n"
        "        print('mismatch {}', a, e); sys.exit(1)\n",
        values, integer ? "np.int64" : "np.float64", np_dtype, shape, name, name, name);
  }
  EXPECT_EQ(run_python(d, check), 0);
}
