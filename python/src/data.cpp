// Data and training for Python, in _cajal._data: TensorDataset and the C++ DataLoader (batches
// gathered by memcpy, prefetched on a background thread), the Fashion-MNIST / IDX / IDX-folder /
// CSV / PNG / image-folder readers, load_data (datasets by path, as `cajal train --data`), and the
// trainer (cajal train's loop).
// Convention: waiting for a batch and training release the GIL; the loader only touches C++
// tensors, so its worker never needs Python.
#include "bindings.h"

#include "cajal/data/csv.h"
#include "cajal/data/dataloader.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/data/idx.h"
#include "cajal/data/idx_folder.h"
#include "cajal/data/image_folder.h"
#include "cajal/data/source.h"
#include "cajal/data/text.h"
#include "cajal/train/language_model.h"
#include "cajal/train/seq2seq.h"
#include "cajal/train/masked_language_model.h"
#include "cajal/train/trainer.h"

namespace cajal::python {

namespace {

// One pass over a DataLoader; keeps the loader (and through it the dataset) alive.
struct LoaderIteration {
  std::shared_ptr<data::DataLoader> loader;
  data::DataLoader::Iterator it;
  bool started = false;
};

py::object batch_to_py(const data::Batch& b) {
  py::list l;
  l.append(b.input);
  l.append(opt_tensor(b.target));
  return l;
}

data::Split split_from(const std::string& s) {
  if (s == "train") return data::Split::Train;
  if (s == "test") return data::Split::Test;
  if (s == "validation" || s == "val" || s == "valid") return data::Split::Validation;
  CAJAL_FAIL(Value, "fashion_mnist", "split must be 'train', 'validation' or 'test', got '{}'", s);
}

// TrainConfig from a dict with the field names of cajal/train/trainer.h (the CLI's flags).
train::TrainConfig train_config_from(const py::dict& d) {
  train::TrainConfig c;
  for (auto [k, v] : d) {
    const std::string key = py::str(k);
    if (key == "model") c.model = py::cast<std::string>(v);
    else if (key == "model_config") c.model_config = py_to_json(v);
    else if (key == "data") c.data = py::cast<std::string>(v);
    else if (key == "epochs") c.epochs = py::cast<int>(v);
    else if (key == "batch_size") c.batch_size = py::cast<int64_t>(v);
    else if (key == "optimizer") c.optimizer = py::cast<std::string>(v);
    else if (key == "lr") c.lr = py::cast<double>(v);
    else if (key == "momentum") c.momentum = py::cast<double>(v);
    else if (key == "weight_decay") c.weight_decay = py::cast<double>(v);
    else if (key == "seed") c.seed = py::cast<uint64_t>(v);
    else if (key == "validation_size") c.validation_size = py::cast<int64_t>(v);
    else if (key == "out_dir") c.out_dir = py::cast<std::string>(v);
    else if (key == "resume") c.resume = py::cast<std::string>(v);
    else if (key == "stop_on_nonfinite") c.stop_on_nonfinite = py::cast<bool>(v);
    else if (key == "max_steps_per_epoch") c.max_steps_per_epoch = py::cast<int64_t>(v);
    else if (key == "augment") c.augment = py::cast<std::string>(v);
    else if (key == "lr_schedule") c.lr_schedule = py::cast<std::string>(v);
    else if (key == "clip_grad_norm") c.clip_grad_norm = py::cast<double>(v);
    else if (key == "seq_len") c.seq_len = py::cast<int64_t>(v);
    else if (key == "bptt") c.bptt = py::cast<int64_t>(v);
    else if (key == "adversarial") c.adversarial = py::cast<std::string>(v);
    else if (key == "adversarial_eps") c.adversarial_eps = py::cast<double>(v);
    else if (key == "adversarial_steps") c.adversarial_steps = py::cast<int64_t>(v);
    else if (key == "adversarial_mix") c.adversarial_mix = py::cast<double>(v);
    else if (key == "trades_beta") c.trades_beta = py::cast<double>(v);
    else if (key == "progress") c.progress = py::cast<bool>(v);
    else if (key == "quiet") c.quiet = py::cast<bool>(v);
    else CAJAL_FAIL(Type, "train", "unknown option '{}'", key);
  }
  return c;
}

}  // namespace

void init_data(py::module_& m) {
  py::module_ dm = m.def_submodule("_data", "cajal's datasets and loaders (wrapped by cajal.utils.data)");

  py::class_<data::Dataset, std::shared_ptr<data::Dataset>>(dm, "Dataset")
      .def("__len__", &data::Dataset::size)
      .def("__getitem__", [](const data::Dataset& ds, int64_t i) {
        if (i < 0) i += ds.size();
        data::Example e = ds.get(i);
        return py::make_tuple(e.input, opt_tensor(e.target));
      }, py::arg("index"));
  py::class_<data::TensorDataset, data::Dataset, std::shared_ptr<data::TensorDataset>>(dm, "TensorDataset")
      .def(py::init([](const Tensor& inputs, py::object targets) {
             return std::make_shared<data::TensorDataset>(inputs, tensor_or_undefined(targets));
           }),
           py::arg("inputs"), py::arg("targets") = py::none())
      .def_property_readonly("inputs", &data::TensorDataset::inputs)
      .def_property_readonly("targets", [](const data::TensorDataset& d) { return opt_tensor(d.targets()); });

  py::class_<LoaderIteration>(dm, "_LoaderIteration")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", [](LoaderIteration& s) {
        {
          py::gil_scoped_release release;
          if (s.started && s.it != std::default_sentinel) ++s.it;
          s.started = true;
        }
        if (s.it == std::default_sentinel) throw py::stop_iteration();
        return batch_to_py(*s.it);
      });

  py::class_<data::DataLoader, std::shared_ptr<data::DataLoader>>(dm, "DataLoader")
      .def(py::init([](std::shared_ptr<data::Dataset> ds, int64_t batch_size, bool shuffle, uint64_t seed, bool drop_last,
                       int prefetch) {
             data::DataLoaderOptions o;
             o.batch_size = batch_size;
             o.shuffle = shuffle;
             o.seed = seed;
             o.drop_last = drop_last;
             o.prefetch = prefetch;
             return std::make_shared<data::DataLoader>(std::shared_ptr<const data::Dataset>(ds), o);
           }),
           py::arg("dataset"), py::arg("batch_size") = 1, py::arg("shuffle") = false, py::arg("seed") = 0,
           py::arg("drop_last") = false, py::arg("prefetch") = 2)
      .def("__len__", &data::DataLoader::size)
      .def("__iter__", [](std::shared_ptr<data::DataLoader> self) {
        auto run = std::make_unique<LoaderIteration>();
        run->loader = self;
        py::gil_scoped_release release;
        run->it = self->begin();
        return run;
      })
      .def_property_readonly("epoch", &data::DataLoader::epoch)
      .def("set_epoch", &data::DataLoader::set_epoch, py::arg("epoch"), py::arg("start_batch") = 0)
      .def("epoch_order", &data::DataLoader::epoch_order, py::arg("epoch"));

  // ---- readers
  dm.def("fashion_mnist", [](const std::string& split, bool flatten, int64_t validation_size, uint64_t seed,
                             py::object root) {
    data::FashionMnistOptions o;
    o.flatten = flatten;
    o.validation_size = validation_size;
    o.seed = seed;
    if (!root.is_none()) o.dir = py::cast<std::string>(root);
    data::TensorDataset ds = [&] {
      py::gil_scoped_release release;
      return data::load_fashion_mnist(split_from(split), o);
    }();
    return py::make_tuple(ds.inputs(), ds.targets());
  }, py::arg("split") = "train", py::kw_only(), py::arg("flatten") = false, py::arg("validation_size") = 0,
     py::arg("seed") = 0, py::arg("root") = py::none(),
     "(images float32 [N,1,28,28] or [N,784] in [0,1], labels int64 [N]) from /usr/share/datasets/fashion-mnist.");
  dm.def("fashion_mnist_classes", &data::fashion_mnist_classes);
  dm.def("read_idx", [](const std::string& path) {
    py::gil_scoped_release release;
    return data::read_idx(path);
  }, py::arg("path"));
  dm.def("read_csv", [](const std::string& path, py::object label_column, bool has_header, const std::string& delimiter) {
    data::CsvOptions o;
    if (py::isinstance<py::str>(label_column)) o.label_column = py::cast<std::string>(label_column);
    else if (!label_column.is_none()) o.label_column = py::cast<int64_t>(label_column);
    o.has_header = has_header;
    CAJAL_CHECK(delimiter.size() == 1, "read_csv", "delimiter must be one character, got '{}'", delimiter);
    o.delimiter = delimiter[0];
    data::CsvData d = data::read_csv(path, o);
    py::dict r;
    r["features"] = d.features;
    r["labels"] = opt_tensor(d.labels);
    r["feature_names"] = d.feature_names;
    r["label_name"] = d.label_name;
    r["label_classes"] = d.label_classes;
    return r;
  }, py::arg("path"), py::kw_only(), py::arg("label_column") = py::none(), py::arg("has_header") = true,
     py::arg("delimiter") = ",");

  dm.def("read_png", [](const std::string& path, int64_t channels) {
    py::gil_scoped_release release;
    return data::read_png(path, channels);
  }, py::arg("path"), py::arg("channels") = 0, "uint8 [C, H, W] (C = 1 grey or 3 RGB; 0: the file's own).");
  dm.def("read_image_folder", [](const std::string& root, int64_t channels, bool resize, int64_t height, int64_t width) {
    data::ImageFolderData d = [&] {
      py::gil_scoped_release release;
      return data::read_image_folder(root, {.channels = channels,
                                            .sizes = resize ? data::SizePolicy::Resize : data::SizePolicy::Reject,
                                            .height = height, .width = width});
    }();
    py::dict r;
    r["images"] = d.images;
    r["labels"] = d.labels;
    r["classes"] = d.classes;
    r["files"] = d.files;
    return r;
  }, py::arg("root"), py::kw_only(), py::arg("channels") = 0, py::arg("resize") = false, py::arg("height") = 0,
     py::arg("width") = 0);
  dm.def("read_idx_folder", [](const std::string& dir, const std::string& train_images, const std::string& train_labels,
                               const std::string& test_images, const std::string& test_labels) {
    data::IdxFolderData d = [&] {
      py::gil_scoped_release release;
      return data::read_idx_folder(dir, {train_images, train_labels, test_images, test_labels});
    }();
    py::dict r;
    r["train_images"] = d.train_images;
    r["train_labels"] = d.train_labels;
    r["test_images"] = d.test_images;
    r["test_labels"] = d.test_labels;
    r["num_classes"] = d.num_classes;
    return r;
  }, py::arg("dir"), py::kw_only(), py::arg("train_images") = "", py::arg("train_labels") = "",
     py::arg("test_images") = "", py::arg("test_labels") = "");
  dm.def("load_data", [](const std::string& spec, int64_t validation_size, uint64_t seed) {
    data::LoadedData d = [&] {
      py::gil_scoped_release release;
      return data::load_data(spec, {.validation_size = validation_size, .seed = seed});
    }();
    py::dict r;
    auto split = [](const std::shared_ptr<data::TensorDataset>& ds) -> py::object {
      if (!ds) return py::none();
      return py::make_tuple(ds->inputs(), opt_tensor(ds->targets()));
    };
    r["train"] = split(d.train);
    r["validation"] = split(d.val);
    r["test"] = split(d.test);
    r["kind"] = d.kind;
    r["num_classes"] = d.num_classes;
    r["classes"] = d.class_names;
    r["feature_names"] = d.feature_names;
    r["example_shape"] = d.example_shape.vec();
    r["mean"] = opt_tensor(d.mean);
    r["std"] = opt_tensor(d.std);
    return r;
  }, py::arg("spec"), py::kw_only(), py::arg("validation_size") = 0, py::arg("seed") = 0,
     "Train / validation / test splits of a dataset named as `cajal train --data` names it.");

  // ---- the trainer
  dm.def("run_training", [](const py::dict& config) {
    train::TrainConfig cfg = train_config_from(config);
    train::TrainReport r;
    {
      py::gil_scoped_release release;
      r = train::run_training(cfg);
    }
    return json_to_py(train::report_json(cfg, r));
  }, py::arg("config"), "Runs `cajal train` with these options (TrainConfig's field names); returns the final report.");

  dm.def("tinyshakespeare_path", &data::tinyshakespeare_path,
         "The tinyshakespeare corpus (the project's shared data folder; $CAJAL_SHARED_DIR overrides it).");

  // ---- text from a trained character model (`cajal generate`)
  dm.def("generate", [](const std::string& checkpoint, const std::string& prompt, int64_t length, double temperature,
                        int64_t top_k, uint64_t seed) {
    std::string text;
    {
      py::gil_scoped_release release;
      train::CharModel m = train::load_char_model(checkpoint);
      text = train::generate_text(*m.model, m.vocab, prompt,
                                  {.length = length, .temperature = temperature, .top_k = top_k, .seed = seed});
    }
    return py::bytes(text);  // bytes: a byte-level model may cut a UTF-8 letter
  }, py::arg("checkpoint"), py::arg("prompt"), py::arg("length"), py::arg("temperature"), py::arg("top_k"),
     py::arg("seed"), "The characters a checkpoint of cajal train charlstm|chargru|charmingru writes after `prompt`.");

  // ---- translation with a trained seq2seq model (`cajal translate`)
  dm.def("translate", [](const std::string& checkpoint, const std::vector<std::string>& sentences, int64_t beam,
                         double length_penalty, int64_t max_len) {
    CAJAL_CHECK(beam >= 1, "translate", "expected beam >= 1, got {}", beam);
    py::gil_scoped_release release;
    train::Seq2SeqModel m = train::load_seq2seq(checkpoint);
    if (beam == 1) return train::translate_greedy(*m.model, m.vocabs, sentences, max_len);
    models::BeamOptions o;
    o.beam = beam, o.length_penalty = length_penalty, o.max_len = max_len;
    return train::translate_beam(*m.model, m.vocabs, sentences, o);
  }, py::arg("checkpoint"), py::arg("sentences"), py::arg("beam"), py::arg("length_penalty"), py::arg("max_len"),
     "Translations of `sentences` by a checkpoint of cajal train seq2seq: greedy (beam 1) or beam search.");
  dm.def("attention_weights", [](const std::string& checkpoint, const std::string& source, const std::string& translation) {
    py::gil_scoped_release release;
    train::Seq2SeqModel m = train::load_seq2seq(checkpoint);
    return train::attention_weights(*m.model, m.vocabs, source, translation);
  }, py::arg("checkpoint"), py::arg("source"), py::arg("translation"),
     "The attention weights [target words + <eos>][source tokens] of `translation` given `source`.");
  // ---- the [MASK]s of a text by a trained masked language model (`cajal fill-mask`)
  dm.def("fill_mask", [](const std::string& checkpoint, const std::string& text, int64_t top_k) {
    std::vector<train::MaskFill> fills;
    {
      py::gil_scoped_release release;
      train::MaskedModel m = train::load_masked_model(checkpoint);
      fills = train::fill_mask(*m.model, m.vocab, text, top_k, checkpoint);
    }
    py::list out;
    for (const train::MaskFill& f : fills) {
      py::list top;
      for (const auto& [c, p] : f.top) top.append(py::make_tuple(py::bytes(std::string(1, c)), p));
      out.append(py::make_tuple(f.position, top));
    }
    return out;
  }, py::arg("checkpoint"), py::arg("text"), py::arg("top_k"),
     "For each [MASK] of `text`: (token position, [(character bytes, probability), ...] most likely first).");
}

}  // namespace cajal::python
