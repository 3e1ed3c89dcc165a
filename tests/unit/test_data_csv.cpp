// read_csv: headers, label columns by name and index, label kinds, quoting, and errors naming the
// path, line and column.
#include "cajal/data/csv.h"
#include "data_io_test_util.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::data;
using namespace cajal::test;

TEST(ReadCsv, HeaderAndLabelByName) {
  TempDir dir;
  const std::string p = dir.file("data.csv");
  write_bytes(p, "a,label,b\n1,0,2.5\n-3e2, 2 ,+4\n\n7,1,8\n");
  CsvData d = read_csv(p, {.label_column = "label"});
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.label_name, "label");
  EXPECT_EQ(d.features.shape(), (Shape{3, 2}));
  EXPECT_EQ(d.features.to_vector<float>(), (std::vector<float>{1, 2.5f, -300, 4, 7, 8}));
  EXPECT_EQ(d.labels.dtype(), DType::i64);
  EXPECT_EQ(d.labels.to_vector<int64_t>(), (std::vector<int64_t>{0, 2, 1}));
  EXPECT_TRUE(d.label_classes.empty());
}

TEST(ReadCsv, NoHeaderLabelByNegativeIndexAndFloatLabels) {
  TempDir dir;
  const std::string p = dir.file("reg.csv");
  write_bytes(p, "1,2,0.5\r\n3,4,1\r\n");
  CsvData d = read_csv(p, {.label_column = int64_t(-1), .has_header = false});
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(d.label_name, "2");
  EXPECT_EQ(d.features.to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(d.labels.dtype(), DType::f32);  // not all integers: regression targets
  EXPECT_EQ(d.labels.to_vector<float>(), (std::vector<float>{0.5f, 1.0f}));
  CsvData all = read_csv(p, {.has_header = false});
  EXPECT_EQ(all.features.shape(), (Shape{2, 3}));
  EXPECT_FALSE(all.labels.defined());
}

TEST(ReadCsv, CategoricalLabelsAndQuotedFields) {
  TempDir dir;
  const std::string p = dir.file("iris.csv");
  write_bytes(p, "\xEF\xBB\xBF\"sepal, length\",species\n5.1,setosa\n\"7.0\",\"versi\"\"color\"\n6.3,virginica\n4.9,setosa\n");
  CsvData d = read_csv(p, {.label_column = "species"});
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"sepal, length"}));
  EXPECT_EQ(d.label_classes, (std::vector<std::string>{"setosa", "versi\"color", "virginica"}));
  EXPECT_EQ(d.labels.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 0}));
  EXPECT_EQ(d.features.to_vector<float>(), (std::vector<float>{5.1f, 7.0f, 6.3f, 4.9f}));
}

TEST(ReadCsv, QuotedFieldSpanningLinesKeepsLineNumbers) {
  TempDir dir;
  const std::string p = dir.file("multi.csv");
  write_bytes(p, "name,x\n\"two\nlines\",1\n\"ok\",2\n\"bad\",3,4\n");
  const std::string expected = p + ":5: expected 2 fields, got 3";
  EXPECT_CAJAL_ERROR(read_csv(p, {.label_column = "name"}), expected.c_str());
}

TEST(ReadCsv, ErrorsNamePathLineAndColumn) {
  TempDir dir;
  const std::string p = dir.file("data.csv");
  write_bytes(p, "a,b,c\n1,2,3\n4,5\n");
  try {
    read_csv(p);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "read_csv: " + p + ":3: expected 3 fields, got 2");
    EXPECT_EQ(e.kind(), ErrorKind::IO);
  }
  write_bytes(p, "a,b,c\n1,2,3\n4,x5,6\n");
  const std::string expected = p + ":3: column 1 ('b'): expected a number, got 'x5'";
  EXPECT_CAJAL_ERROR(read_csv(p), expected.c_str());
  write_bytes(p, "a,b\n1,\n");
  EXPECT_CAJAL_ERROR(read_csv(p), ":2: column 1 ('b'): expected a number, got ''");
  write_bytes(p, "a,b\n\"1,2\n");
  EXPECT_CAJAL_ERROR(read_csv(p), ":2: unterminated quoted field");
  write_bytes(p, "a,b\n\"1\"x,2\n");
  EXPECT_CAJAL_ERROR(read_csv(p), ":2: unexpected 'x' after a closing quote");
  write_bytes(p, "a,b\n1,2\n");
  EXPECT_CAJAL_ERROR(read_csv(p, {.label_column = "c"}), "no column named 'c' (columns: a, b)");
  EXPECT_CAJAL_ERROR(read_csv(p, {.label_column = int64_t(2)}), "label column 2 is out of range for 2 columns");
  EXPECT_CAJAL_ERROR(read_csv(p, {.label_column = "a", .has_header = false}), "has_header is false");
  write_bytes(p, "\n  \n");
  EXPECT_CAJAL_ERROR(read_csv(p), "holds no records");
  EXPECT_CAJAL_ERROR(read_csv(dir.file("absent.csv")), "absent.csv not found");
}

TEST(ReadCsv, HeaderOnlyGivesEmptyTables) {
  TempDir dir;
  const std::string p = dir.file("empty.csv");
  write_bytes(p, "a;b;y\n");
  CsvData d = read_csv(p, {.label_column = "y", .delimiter = ';'});
  EXPECT_EQ(d.features.shape(), (Shape{0, 2}));
  EXPECT_EQ(d.labels.shape(), (Shape{0}));
}

TEST(ReadCsv, GzipCompressed) {
  TempDir dir;
  const std::string p = dir.file("data.csv.gz");
  write_gzip(p, "x,y\n1,2\n3,4\n");
  EXPECT_EQ(read_csv(p, {.label_column = "y"}).labels.to_vector<int64_t>(), (std::vector<int64_t>{2, 4}));
}
