// CSV reader: a table of numbers (features) with an optional label column.
// Format: RFC 4180 — fields separated by `delimiter`, optionally double-quoted (a quote inside a
// quoted field is written ""), LF or CRLF line ends; blank lines are skipped; spaces around a
// number are ignored. Files may be gzip-compressed.
//
//   auto iris = data::read_csv("iris.csv", {.label_column = "species"});
//   data::TensorDataset ds(iris.features, iris.labels);
//
// Labels: when every label cell is an integer, labels are int64; when they are numbers but not all
// integers, float32 (regression targets); when any cell is not a number, the labels are class
// names: `label_classes` holds them sorted and `labels` the int64 index of each row's class.
#pragma once
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal::data {

struct CsvOptions {
  // The label column: none (monostate), an index (negative counts from the end: -1 is the last
  // column) or a header name (needs has_header).
  std::variant<std::monostate, int64_t, std::string> label_column = std::monostate{};
  bool has_header = true;
  // When true, has_header is ignored: the first record is a header when any of its cells outside
  // a label column given by index is not a number (a label given by name needs a header).
  bool detect_header = false;
  char delimiter = ',';
  // Labels must be classes: integers >= 0 or names (any non-number cell). A number that is not a
  // non-negative integer throws naming the line and column.
  bool class_labels = false;
};

struct CsvData {
  Tensor features;                          // float32 [N, F]: every column but the label
  Tensor labels;                            // [N] (see above); undefined without a label column
  std::vector<std::string> feature_names;   // from the header, else "0", "1", ... (column indices)
  std::string label_name;                   // "" without a label column
  std::vector<std::string> label_classes;   // sorted class names when labels are not numbers
  bool has_header = false;                  // whether the first record was read as a header
};

// Throws cajal::Error (ErrorKind::IO) naming the path and line, e.g.
// "read_csv: data.csv:17: expected 5 fields, got 4" or
// "read_csv: data.csv:3: column 2 ('width'): expected a number, got 'abc'"; with class_labels,
// "read_csv: data.csv:5: column 4 ('species'): expected an integer class label >= 0, got '2.5'".
CsvData read_csv(const std::string& path, const CsvOptions& options = {});

}  // namespace cajal::data
