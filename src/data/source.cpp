// Datasets named on the command line (see cajal/data/source.h): parse "PATH[,key=value]...", find
// out which kind of data the path holds, read it with the kind's reader, then do what is the same
// for every kind: a held-out test split when the data has none, the validation split, the
// normalisation statistics (measured on the training split alone) and the datasets.
// Convention: every kind first yields full train and test tensors (inputs float32 [N, ...],
// labels int64 [N]); finish() does the rest, so every kind splits and normalises the same way.
#include "cajal/data/source.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>

#include "cajal/core/generator.h"
#include "cajal/data/csv.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/ops/ops.h"
#include "data/byte_reader.h"

namespace cajal::data {

namespace fs = std::filesystem;

namespace {

constexpr const char* kOp = "data";

struct KeyInfo {
  const char* key;
  const char* kinds;  // the kinds it applies to, for the check and the message
};
constexpr KeyInfo kKeys[] = {
    {"label-column", "csv"},          {"header", "csv"},           {"delimiter", "csv"},
    {"test-data", "csv images"},      {"test-fraction", "csv images"}, {"split-seed", "csv images"},
    {"normalize", "fashion-mnist idx csv images"}, {"channels", "images"}, {"on-size-mismatch", "images"},
    {"image-size", "images"},         {"train-images", "idx"},     {"train-labels", "idx"},
    {"test-images", "idx"},           {"test-labels", "idx"},
};

std::string valid_keys() {
  std::string s;
  for (const auto& k : kKeys) s += (s.empty() ? "" : ", ") + std::string(k.key);
  return s;
}

const char* kind_words(const std::string& kind) {
  if (kind == "csv") return "a CSV file";
  if (kind == "images") return "an image folder";
  if (kind == "idx") return "an IDX folder";
  return "the registered dataset";
}

template <class T>
T parse_number_option(const std::string& key, const std::string& value, const char* expected) {
  T v{};
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  CAJAL_CHECK(ec == std::errc() && end == value.data() + value.size(), kOp, "option {}: expected {}, got '{}'", key,
              expected, value);
  return v;
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool has_key(const DataSpec& spec, const char* key) {
  return std::find(spec.keys.begin(), spec.keys.end(), key) != spec.keys.end();
}

bool is_registered(const std::string& name) {
  const auto& names = dataset_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

// ---- splits

// Rows of x and y at `rows`.
std::pair<Tensor, Tensor> take(const Tensor& x, const Tensor& y, const std::vector<int64_t>& rows) {
  return {gather_rows(x, rows, kOp), gather_rows(y, rows, kOp)};
}

// A seeded permutation puts its first `count` indices in the second part; both keep file order.
// (load_fashion_mnist's validation rule, so a folder and the packaged dataset split alike.)
std::pair<std::vector<int64_t>, std::vector<int64_t>> split_off(int64_t n, int64_t count, uint64_t seed) {
  Generator gen(seed);
  Tensor perm = randperm(n, &gen);
  const int64_t* p = perm.data_ptr<int64_t>();
  std::vector<char> second(size_t(n), 0);
  for (int64_t i = 0; i < count; ++i) second[size_t(p[i])] = 1;
  std::vector<int64_t> a, b;
  for (int64_t i = 0; i < n; ++i) (second[size_t(i)] ? b : a).push_back(i);
  return {a, b};
}

struct Splits {
  Tensor train_x, train_y, test_x, test_y;
};

// Data without a test split of its own: held out by test-fraction, or (new data to evaluate, when
// no test-fraction= was given) the test split whole.
Splits hold_out(const Tensor& x, const Tensor& y, const DataSpec& spec, const std::string& what);
Splits test_split_of(const Tensor& x, const Tensor& y, const DataSpec& spec, const TrainedData& trained) {
  if (trained.whole_as_test && !has_key(spec, "test-fraction")) return {x, y, x, y};
  return hold_out(x, y, spec, spec.source);
}

// The test split as a held-out fraction of everything.
Splits hold_out(const Tensor& x, const Tensor& y, const DataSpec& spec, const std::string& what) {
  const int64_t n = x.size(0);
  CAJAL_CHECK(spec.test_fraction > 0 && spec.test_fraction < 1, kOp, "option test-fraction: expected a number in (0, 1), got {}",
              spec.test_fraction);
  const int64_t count = std::clamp<int64_t>(std::llround(double(n) * spec.test_fraction), 1, std::max<int64_t>(n - 1, 1));
  CAJAL_CHECK(n >= 2, kOp, "{} holds {} example(s): too few to hold out a test split (give one with test-data=PATH)",
              what, n);
  auto [train, test] = split_off(n, count, spec.split_seed);
  Splits s;
  std::tie(s.train_x, s.train_y) = take(x, y, train);
  std::tie(s.test_x, s.test_y) = take(x, y, test);
  return s;
}

// ---- normalisation: per column of [N, F], per channel of [N, C, ...]

std::pair<Tensor, Tensor> channel_stats(const Tensor& x) {
  const int64_t N = x.size(0), C = x.size(1), inner = x.numel() / std::max<int64_t>(N * C, 1);
  std::vector<double> sum(size_t(C), 0.0), sq(size_t(C), 0.0);
  const float* p = x.data_ptr<float>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        double v = p[(n * C + c) * inner + i];
        sum[size_t(c)] += v;
        sq[size_t(c)] += v * v;
      }
  std::vector<float> mean(static_cast<size_t>(C)), sd(static_cast<size_t>(C));
  const double count = double(N * inner);
  for (int64_t c = 0; c < C; ++c) {
    double m = sum[size_t(c)] / count, var = std::max(0.0, sq[size_t(c)] / count - m * m);
    mean[size_t(c)] = float(m);
    // NB: a constant column would divide by zero; it is centred and left at scale 1.
    sd[size_t(c)] = var > 1e-12 ? float(std::sqrt(var)) : 1.0f;
  }
  return {from_vector(mean, {C}), from_vector(sd, {C})};
}

void apply_stats(Tensor& x, const Tensor& mean, const Tensor& sd) {
  const int64_t N = x.size(0), C = x.size(1), inner = x.numel() / std::max<int64_t>(N * C, 1);
  float* p = x.data_ptr<float>();
  const float* m = mean.data_ptr<float>();
  const float* s = sd.data_ptr<float>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        float& v = p[(n * C + c) * inner + i];
        v = (v - m[c]) / s[c];
      }
}

// ---- CSV

// The header's label column when the first line has a cell named "label" (any case), else "".
std::string default_label_name(const std::string& path, char delimiter) {
  auto reader = detail::open_file(path, "read_csv");
  std::string head(4096, '\0');
  head.resize(reader->read(head.data(), head.size()));
  if (head.starts_with("\xEF\xBB\xBF")) head.erase(0, 3);
  head = head.substr(0, head.find_first_of("\r\n"));
  size_t start = 0;
  while (start <= head.size()) {
    size_t end = std::min(head.find(delimiter, start), head.size());
    std::string cell = head.substr(start, end - start);
    while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t' || cell.front() == '"')) cell.erase(0, 1);
    while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t' || cell.back() == '"')) cell.pop_back();
    if (lower(cell) == "label") return cell;
    start = end + 1;
  }
  return "";
}

CsvOptions csv_options(const DataSpec& spec, const std::string& path) {
  CsvOptions o;
  o.delimiter = spec.delimiter;
  o.class_labels = true;
  if (spec.header == "auto") o.detect_header = true;
  else o.has_header = spec.header == "yes";
  std::string label = spec.label_column;
  if (label.empty() && spec.header != "no") label = default_label_name(path, spec.delimiter);
  int64_t index = 0;
  auto [end, ec] = std::from_chars(label.data(), label.data() + label.size(), index);
  if (label.empty()) o.label_column = int64_t(-1);
  else if (ec == std::errc() && end == label.data() + label.size()) o.label_column = index;
  else o.label_column = label;
  return o;
}

CsvData read_table(const std::string& path, const DataSpec& spec) {
  CsvData d = read_csv(path, csv_options(spec, path));
  CAJAL_CHECK_KIND(d.features.size(0) > 0, IO, kOp, "{} holds a header but no rows", path);
  CAJAL_CHECK_KIND(d.features.size(1) > 0, IO, kOp, "{} holds only the label column '{}'; expected feature columns too",
                   path, d.label_name);
  return d;
}

int64_t max_label(const Tensor& l) {
  const int64_t* p = l.data_ptr<int64_t>();
  return l.numel() ? *std::max_element(p, p + l.numel()) : -1;
}

// Labels of `d` (class names `from`) as indices into `to`; a class `to` lacks is an error.
Tensor remap_classes(const Tensor& labels, const std::vector<std::string>& from, const std::vector<std::string>& to,
                     const std::string& path, const std::string& train_path) {
  if (from == to) return labels;
  std::map<std::string, int64_t> index;
  for (size_t k = 0; k < to.size(); ++k) index[to[k]] = int64_t(k);
  std::vector<int64_t> map(from.size());
  for (size_t k = 0; k < from.size(); ++k) {
    auto it = index.find(from[k]);
    CAJAL_CHECK_KIND(it != index.end(), IO, kOp, "{}: class '{}' is not one of the training classes of {} ({})", path,
                     from[k], train_path, fmt::join(to, ", "));
    map[k] = it->second;
  }
  Tensor out = labels.contiguous().clone();
  int64_t* p = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < out.numel(); ++i) p[i] = map[size_t(p[i])];
  return out;
}

void load_csv(const DataSpec& spec, const TrainedData& trained, LoadedData& out, Splits& s) {
  CsvData train = read_table(spec.source, spec);
  out.feature_names = train.feature_names;
  if (spec.test_data.empty()) {
    s = test_split_of(train.features, train.labels, spec, trained);
  } else {
    CsvData test = read_table(spec.test_data, spec);
    CAJAL_CHECK_KIND(test.features.size(1) == train.features.size(1), IO, kOp,
                     "{} has {} feature columns but {} has {}", spec.test_data, test.features.size(1), spec.source,
                     train.features.size(1));
    if (train.has_header && test.has_header)
      CAJAL_CHECK_KIND(test.feature_names == train.feature_names, IO, kOp,
                       "{} has the columns ({}) but {} has ({})", spec.test_data, fmt::join(test.feature_names, ", "),
                       spec.source, fmt::join(train.feature_names, ", "));
    CAJAL_CHECK_KIND(train.label_classes.empty() == test.label_classes.empty(), IO, kOp,
                     "{} labels its classes by {} but {} by {}", spec.test_data,
                     test.label_classes.empty() ? "number" : "name", spec.source,
                     train.label_classes.empty() ? "number" : "name");
    s = {train.features, train.labels, test.features,
         train.label_classes.empty()
             ? test.labels
             : remap_classes(test.labels, test.label_classes, train.label_classes, spec.test_data, spec.source)};
  }
  out.num_classes = train.label_classes.empty() ? std::max(max_label(s.train_y), max_label(s.test_y)) + 1
                                                : int64_t(train.label_classes.size());
  out.class_names = train.label_classes;
}

// ---- image folders

ImageFolderOptions image_options(const DataSpec& spec) {
  return {.channels = spec.channels, .sizes = spec.sizes, .height = spec.height, .width = spec.width};
}

// root/train and root/test, each with class sub-folders: the two splits.
bool has_split_folders(const std::string& root) {
  std::error_code ec;
  int dirs = 0;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(".")) continue;
    if (!e.is_directory() || (name != "train" && name != "test")) return false;
    ++dirs;
  }
  return dirs == 2;
}

void load_images(const DataSpec& spec, const TrainedData& trained, LoadedData& out, Splits& s) {
  const bool split_folders = spec.test_data.empty() && has_split_folders(spec.source);
  const std::string train_dir = split_folders ? (fs::path(spec.source) / "train").string() : spec.source;
  ImageFolderData train = read_image_folder(train_dir, image_options(spec));
  out.class_names = train.classes;
  out.num_classes = int64_t(train.classes.size());
  const std::string test_dir = split_folders ? (fs::path(spec.source) / "test").string() : spec.test_data;
  if (test_dir.empty()) {
    s = test_split_of(train.images, train.labels, spec, trained);
    return;
  }
  // The test images take the training images' channels, and their size when resizing.
  ImageFolderOptions o = image_options(spec);
  o.channels = train.images.size(1);
  if (spec.sizes == SizePolicy::Resize || spec.height > 0) o.height = train.images.size(2), o.width = train.images.size(3);
  ImageFolderData test = read_image_folder(test_dir, o);
  CAJAL_CHECK_KIND(test.images.size(2) == train.images.size(2) && test.images.size(3) == train.images.size(3), IO, kOp,
                   "{}: test images are {}x{} (width x height) but the training images of {} are {}x{} (resize them: "
                   "on-size-mismatch=resize, or image-size=HxW)",
                   test.files[0], test.images.size(3), test.images.size(2), train_dir, train.images.size(3),
                   train.images.size(2));
  s = {train.images, train.labels, test.images, remap_classes(test.labels, test.classes, train.classes, test_dir, train_dir)};
}

// ---- IDX folders and the registered dataset

void load_idx(const DataSpec& spec, LoadedData& out, Splits& s) {
  IdxFolderData d = read_idx_folder(spec.source, spec.idx);
  s = {d.train_images, d.train_labels, d.test_images, d.test_labels};
  out.num_classes = d.num_classes;
}

std::vector<std::string> numbered(int64_t n) {
  std::vector<std::string> v;
  for (int64_t k = 0; k < n; ++k) v.push_back(std::to_string(k));
  return v;
}

// ---- data for a model trained before (TrainedData)

int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string first_names(const std::vector<std::string>& names) {
  constexpr size_t kShown = 12;
  std::string s = fmt::format("{}", fmt::join(names.begin(), names.begin() + std::min(names.size(), kShown), ", "));
  return names.size() > kShown ? s + ", ..." : s;
}

// The examples viewed in the trained example shape, the labels mapped onto the trained classes
// (`named`: by class name; else labels are class indices and must be below the trained count).
void fit_to_trained(LoadedData& out, bool named, const nlohmann::json& trained) {
  const std::string model = "the model of " + trained.value("checkpoint", std::string("the checkpoint"));
  const Shape want(trained.at("example_shape").get<std::vector<int64_t>>());
  CAJAL_CHECK(numel_of(want) == numel_of(out.example_shape), kOp,
              "{} was trained on examples of shape {} ({} values, from {}), but the examples of {} have shape {} ({} "
              "values)",
              model, shape_str(want), numel_of(want), trained.value("source", std::string("?")), out.source,
              shape_str(out.example_shape), numel_of(out.example_shape));
  const std::vector<std::string> classes = trained.at("class_names");
  const int64_t num_classes = trained.at("num_classes");
  if (!named)
    CAJAL_CHECK(out.num_classes <= num_classes, kOp,
                "{} has {} classes (labels 0 to {}), but {} has {} ({})", out.source, out.num_classes,
                out.num_classes - 1, model, num_classes, first_names(classes));
  for (auto* ds : {&out.train, &out.val, &out.test}) {
    if (!*ds) continue;
    Shape s{(*ds)->size()};
    s.insert(s.end(), want.begin(), want.end());
    Tensor y = named ? remap_classes((*ds)->targets(), out.class_names, classes, out.source, model) : (*ds)->targets();
    *ds = std::make_shared<TensorDataset>((*ds)->inputs().contiguous().view(s), y);
  }
  out.example_shape = want;
  out.num_classes = num_classes;
  out.class_names = classes;
}

// The trained data's statistics (undefined when it was not normalised); a normalize= option that
// contradicts them is an error, since a model sees its data only as it was trained on it.
std::pair<Tensor, Tensor> trained_stats(const DataSpec& spec, const nlohmann::json& trained) {
  const bool normalised = trained.contains("normalization");
  CAJAL_CHECK(spec.normalize.empty() || (spec.normalize == "standard") == normalised, kOp,
              "option normalize={}: the model of {} was trained on data {}; new data are normalised as its training "
              "data were (drop the option)",
              spec.normalize, trained.value("checkpoint", std::string("the checkpoint")),
              normalised ? "standardised with its training statistics" : "that were not normalised");
  if (!normalised) return {};
  auto stat = [&](const char* key) {
    const std::vector<float> v = trained.at("normalization").at(key);
    return from_vector(v, {int64_t(v.size())});
  };
  return {stat("mean"), stat("std")};
}

}  // namespace

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names = {"fashion-mnist"};
  return names;
}

DataSpec parse_data_spec(const std::string& text) {
  DataSpec d;
  std::error_code ec;
  std::vector<std::string> parts;
  if (text.find(',') == std::string::npos || fs::exists(text, ec)) {
    parts.push_back(text);
  } else {
    for (size_t start = 0;;) {
      size_t end = text.find(',', start);
      parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  d.source = parts[0];
  CAJAL_CHECK(!d.source.empty(), kOp, "expected a dataset name or path before the options, got '{}'", text);
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& opt = parts[i];
    const size_t eq = opt.find('=');
    CAJAL_CHECK(eq != std::string::npos && eq > 0, kOp, "expected key=value after the path, got '{}' (in '{}'; keys: {})",
                opt, text, valid_keys());
    const std::string key = opt.substr(0, eq), value = opt.substr(eq + 1);
    CAJAL_CHECK(std::any_of(std::begin(kKeys), std::end(kKeys), [&](const KeyInfo& k) { return key == k.key; }), kOp,
                "unknown option '{}' (in '{}'); valid options: {}", key, text, valid_keys());
    CAJAL_CHECK(std::find(d.keys.begin(), d.keys.end(), key) == d.keys.end(), kOp, "option {} is given twice in '{}'",
                key, text);
    d.keys.push_back(key);
    if (key == "label-column") {
      CAJAL_CHECK(!value.empty(), kOp, "option label-column: expected a column name or index, got ''");
      d.label_column = value;
    } else if (key == "header") {
      CAJAL_CHECK(value == "auto" || value == "yes" || value == "no", kOp, "option header: expected auto, yes or no, got '{}'",
                  value);
      d.header = value;
    } else if (key == "delimiter") {
      if (value == "tab") d.delimiter = '\t';
      else if (value == "semicolon") d.delimiter = ';';
      else if (value == "space") d.delimiter = ' ';
      else {
        CAJAL_CHECK(value.size() == 1 && value != "\"", kOp,
                    "option delimiter: expected one character (or tab, semicolon, space), got '{}'", value);
        d.delimiter = value[0];
      }
    } else if (key == "test-data") {
      CAJAL_CHECK(!value.empty(), kOp, "option test-data: expected a path, got ''");
      d.test_data = value;
    } else if (key == "test-fraction") {
      d.test_fraction = parse_number_option<double>(key, value, "a number in (0, 1)");
      CAJAL_CHECK(d.test_fraction > 0 && d.test_fraction < 1, kOp, "option test-fraction: expected a number in (0, 1), got {}",
                  value);
    } else if (key == "split-seed") {
      d.split_seed = parse_number_option<uint64_t>(key, value, "a non-negative integer");
    } else if (key == "normalize") {
      CAJAL_CHECK(value == "standard" || value == "none", kOp, "option normalize: expected standard or none, got '{}'",
                  value);
      d.normalize = value;
    } else if (key == "channels") {
      CAJAL_CHECK(value == "1" || value == "3", kOp, "option channels: expected 1 (grey) or 3 (RGB), got '{}'", value);
      d.channels = value[0] - '0';
    } else if (key == "on-size-mismatch") {
      CAJAL_CHECK(value == "reject" || value == "resize", kOp, "option on-size-mismatch: expected reject or resize, got '{}'",
                  value);
      d.sizes = value == "resize" ? SizePolicy::Resize : SizePolicy::Reject;
    } else if (key == "image-size") {
      const size_t x = lower(value).find('x');
      CAJAL_CHECK(x != std::string::npos, kOp, "option image-size: expected HxW (e.g. 28x28), got '{}'", value);
      d.height = parse_number_option<int64_t>(key, value.substr(0, x), "HxW with positive sides (e.g. 28x28)");
      d.width = parse_number_option<int64_t>(key, value.substr(x + 1), "HxW with positive sides (e.g. 28x28)");
      CAJAL_CHECK(d.height >= 1 && d.width >= 1 && d.height <= 8192 && d.width <= 8192, kOp,
                  "option image-size: expected sides in [1, 8192], got '{}'", value);
    } else if (key == "train-images") {
      d.idx.train_images = value;
    } else if (key == "train-labels") {
      d.idx.train_labels = value;
    } else if (key == "test-images") {
      d.idx.test_images = value;
    } else {
      d.idx.test_labels = value;
    }
  }
  return d;
}

nlohmann::json LoadedData::info() const {
  nlohmann::json j{{"kind", kind},
                   {"source", source},
                   {"example_shape", example_shape.vec()},
                   {"num_classes", num_classes},
                   {"class_names", class_names}};
  if (mean.defined()) j["normalization"] = {{"mean", mean.to_vector<double>()}, {"std", std.to_vector<double>()}};
  return j;
}

LoadedData load_data(const std::string& spec, const LoadOptions& options, const TrainedData& trained) {
  return load_data(parse_data_spec(spec), options, trained);
}

LoadedData load_data(const DataSpec& spec, const LoadOptions& options, const TrainedData& trained) {
  CAJAL_CHECK(options.validation_size >= 0, kOp, "expected validation_size >= 0, got {}", options.validation_size);
  LoadedData out;
  out.source = spec.source;
  std::error_code ec;
  if (is_registered(spec.source)) {
    out.kind = spec.source;
  } else if (fs::is_directory(spec.source, ec)) {
    out.kind = looks_like_idx_folder(spec.source) ? "idx" : "images";
  } else if (fs::exists(spec.source, ec)) {
    out.kind = "csv";
  } else {
    CAJAL_FAIL(IO, kOp,
               "unknown dataset '{}'; valid datasets: {}, or the path of an IDX folder, a CSV file or an image folder "
               "(no file or directory '{}' exists)",
               spec.source, fmt::join(dataset_names(), ", "), spec.source);
  }
  for (const std::string& key : spec.keys) {
    const KeyInfo* k = std::find_if(std::begin(kKeys), std::end(kKeys), [&](const KeyInfo& i) { return key == i.key; });
    const std::string kinds = k->kinds;
    CAJAL_CHECK((" " + kinds + " ").find(" " + out.kind + " ") != std::string::npos, kOp,
                "option {} does not apply to {} ({}); it applies to: {}", key, kind_words(out.kind), spec.source, kinds);
  }

  Splits s;
  if (out.kind == "fashion-mnist") {
    // The packaged loader, as before: it reads the uint8 files without holding them as floats.
    FashionMnistOptions o{.validation_size = options.validation_size, .seed = options.seed};
    out.train = std::make_shared<TensorDataset>(load_fashion_mnist(Split::Train, o));
    if (options.validation_size > 0)
      out.val = std::make_shared<TensorDataset>(load_fashion_mnist(Split::Validation, o));
    out.test = std::make_shared<TensorDataset>(load_fashion_mnist(Split::Test, {}));
    out.num_classes = 10;
    out.class_names = fashion_mnist_classes();
  } else {
    if (out.kind == "csv") load_csv(spec, trained, out, s);
    else if (out.kind == "images") load_images(spec, trained, out, s);
    else load_idx(spec, out, s);
    const int64_t n = s.train_x.size(0);
    Tensor val_x, val_y;
    if (options.validation_size > 0) {
      CAJAL_CHECK(options.validation_size < n, kOp,
                  "a validation split of {} leaves no training examples: {} holds {} training examples; pass a smaller "
                  "--validation-size (or 0)",
                  options.validation_size, spec.source, n);
      auto [train, val] = split_off(n, options.validation_size, options.seed);
      std::tie(val_x, val_y) = take(s.train_x, s.train_y, val);
      std::tie(s.train_x, s.train_y) = take(s.train_x, s.train_y, train);
    }
    out.train = std::make_shared<TensorDataset>(s.train_x, s.train_y);
    if (val_x.defined()) out.val = std::make_shared<TensorDataset>(val_x, val_y);
    out.test = std::make_shared<TensorDataset>(s.test_x, s.test_y);
  }
  // Class names that are names (CSV class names, image folders); the rest are numbered labels.
  const bool named = !out.class_names.empty() && (out.kind == "csv" || out.kind == "images");
  if (out.class_names.empty()) out.class_names = numbered(out.num_classes);
  const Tensor& x = out.train->inputs();
  out.example_shape = Shape(x.shape().begin() + 1, x.shape().end());

  const std::string normalize = !spec.normalize.empty() ? spec.normalize : out.kind == "csv" ? "standard" : "none";
  if (!trained.info.is_null()) {
    fit_to_trained(out, named, trained.info);
    std::tie(out.mean, out.std) = trained_stats(spec, trained.info);
  } else if (normalize == "standard") {
    // NB: measured on the training split only, then applied to every split.
    std::tie(out.mean, out.std) = channel_stats(out.train->inputs());
  }
  if (out.mean.defined()) {
    for (auto* ds : {&out.train, &out.val, &out.test}) {
      if (!*ds) continue;
      Tensor xs = (*ds)->inputs().clone();
      apply_stats(xs, out.mean, out.std);
      *ds = std::make_shared<TensorDataset>(xs, (*ds)->targets());
    }
  }
  return out;
}

}  // namespace cajal::data
