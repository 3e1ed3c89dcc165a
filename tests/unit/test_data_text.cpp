// load_text, CharVocab and CharSequenceDataset (and the tinyshakespeare corpus when present).
#include <filesystem>

#include "cajal/data/dataloader.h"
#include "cajal/data/text.h"
#include "data_io_test_util.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::data;
using namespace cajal::test;

TEST(CharVocab, SortedCharsEncodeDecode) {
  CharVocab v("hello world");
  EXPECT_EQ(v.chars(), " dehlorw");
  EXPECT_EQ(v.size(), 8);
  EXPECT_EQ(v.token('h'), 3);
  EXPECT_EQ(v.character(0), ' ');
  Tensor t = v.encode("hold");
  EXPECT_EQ(t.dtype(), DType::i64);
  EXPECT_EQ(t.to_vector<int64_t>(), (std::vector<int64_t>{3, 5, 4, 1}));
  EXPECT_EQ(v.decode(t), "hold");
  EXPECT_CAJAL_ERROR(v.encode("held!"), "CharVocab", "character '!' (byte 0x21) at position 4 is not in the vocabulary of 8");
  EXPECT_CAJAL_ERROR(v.character(8), "token 8 is out of range for a vocabulary of 8 characters");
  EXPECT_CAJAL_ERROR(v.decode(tensor({1.0})), "decode expects int64");
  // Bytes, not letters: UTF-8 round-trips.
  CharVocab u("é€");
  EXPECT_EQ(u.size(), 5);
  EXPECT_EQ(u.decode(u.encode("€é")), "€é");
}

TEST(CharSequenceDataset, WindowsAndBatches) {
  Tensor tokens = arange(10.0, DType::i64);
  CharSequenceDataset ds(tokens, 4);
  EXPECT_EQ(ds.size(), 6);
  Example e = ds.get(2);
  EXPECT_EQ(e.input.to_vector<int64_t>(), (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(e.target.to_vector<int64_t>(), (std::vector<int64_t>{3, 4, 5, 6}));
  std::vector<int64_t> idx{5, 0};
  Batch b = ds.get_batch(idx);
  EXPECT_EQ(b.input.shape(), (Shape{2, 4}));
  EXPECT_EQ(b.input.to_vector<int64_t>(), (std::vector<int64_t>{5, 6, 7, 8, 0, 1, 2, 3}));
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{6, 7, 8, 9, 1, 2, 3, 4}));
  // The fast gather equals the generic get()-per-example collation.
  Batch generic = ds.Dataset::get_batch(idx);
  EXPECT_TRUE(equal(generic.input, b.input));
  EXPECT_TRUE(equal(generic.target, b.target));
  EXPECT_CAJAL_ERROR(CharSequenceDataset(tokens, 10), "1 <= block_size < 10");
  EXPECT_CAJAL_ERROR(CharSequenceDataset(tokens.to(DType::f32), 2), "expected int64 tokens");
  std::vector<int64_t> bad{6};
  EXPECT_CAJAL_ERROR(ds.get_batch(bad), "index 6 is out of range for 6 examples");
}

TEST(LoadText, PlainGzipAndMissing) {
  TempDir dir;
  write_bytes(dir.file("a.txt"), "First Citizen:\nBefore we proceed");
  write_gzip(dir.file("b.txt.gz"), "zipped\n");
  EXPECT_EQ(load_text(dir.file("a.txt")), "First Citizen:\nBefore we proceed");
  EXPECT_EQ(load_text(dir.file("b.txt.gz")), "zipped\n");
  EXPECT_CAJAL_ERROR(load_text(dir.file("c.txt")), "load_text", "c.txt not found");
}

TEST(LoadText, TinyShakespeare) {
  const std::string path = tinyshakespeare_path();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is missing";
  std::string text = load_text(path);
  EXPECT_EQ(text.size(), 1115394u);
  EXPECT_EQ(text.substr(0, 14), "First Citizen:");
  CharVocab v(text);
  EXPECT_EQ(v.size(), 65);  // Karpathy's char-rnn vocabulary
  Tensor tokens = v.encode(text);
  EXPECT_EQ(v.decode(tokens.slice(0, 0, 14)), "First Citizen:");
  CharSequenceDataset ds(tokens, 64);
  DataLoader loader(ds, {.batch_size = 32, .shuffle = true, .seed = 1});
  auto it = loader.begin();
  Batch& b = *it;
  EXPECT_EQ(b.input.shape(), (Shape{32, 64}));
  EXPECT_TRUE(equal(b.input.slice(1, 1, 64), b.target.slice(1, 0, 63)));  // targets are inputs shifted by one
}
