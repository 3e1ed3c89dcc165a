// cajal::text for Python, in _cajal._text: corpus and sentence BLEU on lists of string tokens.
// cajal/text.py wraps them with nltk.translate.bleu_score's call style.
#include "bindings.h"

#include "cajal/text/bleu.h"

namespace cajal::python {

void init_text(py::module_& m) {
  py::module_ t = m.def_submodule("_text", "cajal::text: BLEU");
  auto options = [](std::vector<double> weights, int smoothing, double epsilon, double alpha, double k,
                    bool auto_reweigh) {
    if (smoothing < 0 || smoothing > 7)
      throw Error(ErrorKind::Value, "bleu", "smoothing: expected a method number 0..7, got " + std::to_string(smoothing));
    text::BleuOptions o;
    o.weights = std::move(weights);
    o.smoothing = static_cast<text::Smoothing>(smoothing);
    o.epsilon = epsilon;
    o.alpha = alpha;
    o.k = k;
    o.auto_reweigh = auto_reweigh;
    return o;
  };
  t.def("corpus_bleu_stats",
        [options](const std::vector<std::vector<text::Sentence>>& refs, const std::vector<text::Sentence>& hyps,
                  std::vector<double> weights, int smoothing, double epsilon, double alpha, double k, bool auto_reweigh) {
          text::BleuOptions o = options(std::move(weights), smoothing, epsilon, alpha, k, auto_reweigh);
          text::BleuStats s = [&] {
            py::gil_scoped_release release;
            return text::corpus_bleu_stats(refs, hyps, o);
          }();
          py::dict d;
          d["bleu"] = s.bleu;
          d["brevity_penalty"] = s.brevity_penalty;
          d["matches"] = s.matches;
          d["totals"] = s.totals;
          d["hypothesis_length"] = s.hypothesis_length;
          d["reference_length"] = s.reference_length;
          return d;
        },
        py::arg("list_of_references"), py::arg("hypotheses"), py::arg("weights"), py::arg("smoothing"),
        py::arg("epsilon"), py::arg("alpha"), py::arg("k"), py::arg("auto_reweigh"));
  t.def("tokenize", &text::tokenize, py::arg("text"), py::arg("lowercase") = false);
}

}  // namespace cajal::python
