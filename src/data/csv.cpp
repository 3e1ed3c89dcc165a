// CSV reader (see cajal/data/csv.h): one pass over the file text, a small RFC 4180 record parser,
// numbers parsed with std::from_chars straight into the row-major feature buffer.
// Convention: line numbers are 1-based physical lines (a quoted field may span lines; a record is
// reported at the line where it starts); column numbers are 0-based, like label_column.
#include "cajal/data/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "cajal/ops/ops.h"
#include "data/byte_reader.h"

namespace cajal::data {

namespace {

constexpr const char* kOp = "read_csv";

template <class... Args>
[[noreturn]] void fail_at(const std::string& path, int64_t line, fmt::format_string<Args...> f, Args&&... args) {
  throw Error(ErrorKind::IO, kOp, fmt::format("{}:{}: {}", path, line, fmt::format(f, std::forward<Args>(args)...)));
}

// Splits the text into records of fields. Field strings are reused between records.
class RecordParser {
 public:
  RecordParser(const std::string& text, char delimiter, const std::string& path)
      : text_(text), delimiter_(delimiter), path_(path) {
    if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;  // UTF-8 byte order mark
  }

  // The next non-blank record; false at the end of the text.
  bool next(std::vector<std::string>& fields, size_t& count, int64_t& record_line) {
    skip_blank_lines();
    if (pos_ >= text_.size()) return false;
    record_line = line_;
    count = 0;
    while (true) {
      if (count == fields.size()) fields.emplace_back();
      std::string& field = fields[count++];
      field.clear();
      if (pos_ < text_.size() && text_[pos_] == '"') {
        read_quoted(field);
      } else {
        size_t end = pos_;
        while (end < text_.size() && text_[end] != delimiter_ && text_[end] != '\n' && text_[end] != '\r') ++end;
        field.assign(text_, pos_, end - pos_);
        pos_ = end;
      }
      if (pos_ < text_.size() && text_[pos_] == delimiter_) {
        ++pos_;
        continue;
      }
      end_line();
      return true;
    }
  }

 private:
  void read_quoted(std::string& field) {
    const int64_t start_line = line_;
    ++pos_;
    while (true) {
      if (pos_ >= text_.size()) fail_at(path_, start_line, "unterminated quoted field");
      char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field += '"';
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      if (c == '\n') ++line_;
      field += c;
      ++pos_;
    }
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    if (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n' && text_[pos_] != '\r')
      fail_at(path_, line_, "unexpected '{}' after a closing quote", text_[pos_]);
  }

  void end_line() {
    if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
    ++line_;
  }

  // Lines holding only spaces/tabs (or nothing) are not records.
  void skip_blank_lines() {
    while (pos_ < text_.size()) {
      size_t p = pos_;
      while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
      if (p < text_.size() && text_[p] != '\n' && text_[p] != '\r') return;
      pos_ = p;
      if (pos_ >= text_.size()) return;
      end_line();
    }
  }

  const std::string& text_;
  const char delimiter_;
  const std::string& path_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_number(std::string_view s, double& value) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size();
}

// The label column's index among `count` columns, from the option.
int64_t resolve_label_column(const CsvOptions& options, const std::vector<std::string>& names, size_t count,
                             const std::string& path) {
  if (std::holds_alternative<std::monostate>(options.label_column)) return -1;
  if (const int64_t* index = std::get_if<int64_t>(&options.label_column)) {
    int64_t c = *index < 0 ? *index + int64_t(count) : *index;
    CAJAL_CHECK_INDEX(c >= 0 && c < int64_t(count), kOp, "{}: label column {} is out of range for {} columns", path,
                      *index, count);
    return c;
  }
  const std::string& name = std::get<std::string>(options.label_column);
  CAJAL_CHECK(options.has_header, kOp, "{}: label column '{}' is given by name but has_header is false", path, name);
  for (size_t c = 0; c < count; ++c)
    if (names[c] == name) return int64_t(c);
  CAJAL_FAIL(Value, kOp, "{}:1: no column named '{}' (columns: {})", path, name,
             fmt::join(names.begin(), names.begin() + count, ", "));
}

}  // namespace

CsvData read_csv(const std::string& path, const CsvOptions& options) {
  CAJAL_CHECK(options.delimiter != '"' && options.delimiter != '\n' && options.delimiter != '\r', kOp,
              "the delimiter cannot be a quote or a line break, got '{}'", options.delimiter);
  const std::string text = detail::open_file(path, kOp)->read_all();
  RecordParser parser(text, options.delimiter, path);
  std::vector<std::string> fields;
  size_t count = 0;
  int64_t line = 0;

  CsvData out;
  std::vector<std::string> names;
  size_t width = 0;
  bool have_record = parser.next(fields, count, line);
  CAJAL_CHECK_KIND(have_record, IO, kOp, "{}: the file holds no records", path);
  width = count;
  bool has_header = options.has_header;
  if (options.detect_header) {
    // A header is a first record with a cell that is not a number (outside a label column given by
    // index, whose class names may be words); a label given by name needs one.
    has_header = std::holds_alternative<std::string>(options.label_column);
    int64_t skip = -1;
    if (const int64_t* index = std::get_if<int64_t>(&options.label_column)) skip = *index < 0 ? *index + int64_t(width) : *index;
    double v = 0.0;
    for (size_t c = 0; c < width && !has_header; ++c)
      if (int64_t(c) != skip && !parse_number(fields[c], v)) has_header = true;
  }
  out.has_header = has_header;
  CsvOptions resolved = options;
  resolved.has_header = has_header;
  if (has_header) {
    for (size_t c = 0; c < width; ++c) names.emplace_back(trim(fields[c]));
    have_record = parser.next(fields, count, line);
  } else {
    for (size_t c = 0; c < width; ++c) names.push_back(std::to_string(c));
  }
  const int64_t label = resolve_label_column(resolved, names, width, path);
  const size_t num_features = width - (label >= 0 ? 1 : 0);
  for (size_t c = 0; c < width; ++c)
    if (int64_t(c) != label) out.feature_names.push_back(names[c]);
  if (label >= 0) out.label_name = names[size_t(label)];

  std::vector<float> features;
  std::vector<double> label_values;
  std::vector<std::string> label_cells;
  std::vector<int64_t> label_lines;  // for class_labels' messages
  bool labels_numeric = true, labels_integral = true;
  int64_t rows = 0;
  for (; have_record; have_record = parser.next(fields, count, line), ++rows) {
    if (count != width) fail_at(path, line, "expected {} fields, got {}", width, count);
    for (size_t c = 0; c < width; ++c) {
      double v = 0.0;
      bool numeric = parse_number(fields[c], v);
      if (int64_t(c) == label) {
        labels_numeric = labels_numeric && numeric;
        labels_integral = labels_integral && numeric && v == std::floor(v) && std::abs(v) < 9.2e18;
        label_values.push_back(v);
        label_cells.emplace_back(trim(fields[c]));
        if (options.class_labels) label_lines.push_back(line);
        continue;
      }
      if (!numeric) fail_at(path, line, "column {} ('{}'): expected a number, got '{}'", c, names[c], fields[c]);
      features.push_back(float(v));
    }
  }

  out.features = from_vector(features, {rows, int64_t(num_features)});
  if (label >= 0 && options.class_labels && labels_numeric)
    for (size_t i = 0; i < label_values.size(); ++i)
      if (label_values[i] != std::floor(label_values[i]) || label_values[i] < 0 || label_values[i] >= 9.2e18)
        fail_at(path, label_lines[i], "column {} ('{}'): expected an integer class label >= 0, got '{}'", label,
                names[size_t(label)], label_cells[i]);
  if (label >= 0) {
    if (labels_numeric && labels_integral) {
      std::vector<int64_t> v(label_values.begin(), label_values.end());
      out.labels = from_vector(v, {rows});
    } else if (labels_numeric) {
      std::vector<float> v(label_values.begin(), label_values.end());
      out.labels = from_vector(v, {rows});
    } else {
      out.label_classes = label_cells;
      std::sort(out.label_classes.begin(), out.label_classes.end());
      out.label_classes.erase(std::unique(out.label_classes.begin(), out.label_classes.end()), out.label_classes.end());
      std::map<std::string_view, int64_t> index;
      for (size_t k = 0; k < out.label_classes.size(); ++k) index[out.label_classes[k]] = int64_t(k);
      std::vector<int64_t> v;
      v.reserve(label_cells.size());
      for (const std::string& cell : label_cells) v.push_back(index.at(cell));
      out.labels = from_vector(v, {rows});
    }
  }
  return out;
}

}  // namespace cajal::data
