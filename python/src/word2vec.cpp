// cajal::text's word2vec for Python, in _cajal._word2vec: training, the WordVectors class and the
// similarity functions; cajal/text.py wraps them in gensim's call style.
#include "bindings.h"
#include "cajal/text/word2vec.h"

namespace cajal::python {

void init_word2vec(py::module_& m) {
  py::module_ w = m.def_submodule("_word2vec", "cajal::text word2vec (wrapped by cajal.text)");
  using text::WordVectors;
  py::class_<WordVectors>(w, "WordVectors", "Embeddings with their words (gensim's KeyedVectors subset)")
      .def(py::init<std::vector<std::string>, Tensor>(), py::arg("words"), py::arg("vectors"))
      .def_property_readonly("index_to_key", &WordVectors::words)
      .def_property_readonly("vectors", &WordVectors::vectors)
      .def_property_readonly("vector_size", &WordVectors::dim)
      .def("__len__", &WordVectors::size)
      .def("__contains__", &WordVectors::contains)
      .def("__getitem__", &WordVectors::vector)
      .def("get_index", &WordVectors::index)
      .def("similarity", &WordVectors::similarity)
      .def("most_similar", &WordVectors::most_similar, py::arg("word"), py::arg("topn") = 10)
      .def("analogy", &WordVectors::analogy, py::arg("a"), py::arg("b"), py::arg("c"), py::arg("topn") = 10,
           "a - b + c: the words nearest to unit(a) - unit(b) + unit(c), the inputs excluded")
      .def("save_word2vec_format", [](const WordVectors& v, const std::string& path, bool binary) {
             binary ? v.save_binary(path) : v.save_text(path);
           }, py::arg("path"), py::arg("binary") = false)
      .def_static("load_word2vec_format", &WordVectors::load, py::arg("path"), py::arg("binary") = false);

  w.def("train", [](const text::Sentences& sentences, const text::Word2VecOptions& o) {
    text::Word2VecStats st;
    WordVectors v = [&] {
      py::gil_scoped_release release;
      return text::train_word2vec(sentences, o, &st);
    }();
    py::dict d;
    d["vocabulary"] = st.vocabulary;
    d["corpus_words"] = st.corpus_words;
    d["trained_words"] = st.trained_words;
    d["seconds"] = st.seconds;
    d["words_per_second"] = st.words_per_second;
    return py::make_tuple(std::move(v), d);
  });
  py::class_<text::Word2VecOptions>(w, "Word2VecOptions")
      .def(py::init<>())
      .def_readwrite("model", &text::Word2VecOptions::model)
      .def_readwrite("dim", &text::Word2VecOptions::dim)
      .def_readwrite("window", &text::Word2VecOptions::window)
      .def_readwrite("negative", &text::Word2VecOptions::negative)
      .def_readwrite("epochs", &text::Word2VecOptions::epochs)
      .def_readwrite("min_count", &text::Word2VecOptions::min_count)
      .def_readwrite("sample", &text::Word2VecOptions::sample)
      .def_readwrite("alpha", &text::Word2VecOptions::alpha)
      .def_readwrite("min_alpha", &text::Word2VecOptions::min_alpha)
      .def_readwrite("phrases", &text::Word2VecOptions::phrases)
      .def_readwrite("phrase_threshold", &text::Word2VecOptions::phrase_threshold)
      .def_readwrite("threads", &text::Word2VecOptions::threads)
      .def_readwrite("seed", &text::Word2VecOptions::seed);
  w.def("read_corpus", &text::read_corpus, py::arg("path"));
  w.def("detect_phrases", &text::detect_phrases, py::arg("sentences"), py::arg("passes") = 1,
        py::arg("threshold") = 100.0, py::arg("min_count") = 5);
  w.def("cosine_similarities", &text::cosine_similarities, py::arg("matrix"), py::arg("query"));
  w.def("nearest_neighbours", &text::nearest_neighbours, py::arg("matrix"), py::arg("query"), py::arg("k") = 10,
        py::arg("exclude") = std::vector<int64_t>{});
}

}  // namespace cajal::python
