// Greedy and beam-search decoding over a StepDecoder (models/decoding.h).
#include "cajal/models/decoding.h"

#include <algorithm>
#include <cmath>

#include "cajal/autograd/grad_mode.h"
#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

namespace cajal::models {
namespace {

// The [rows, V] log-probabilities as doubles, row-major.
std::vector<double> to_doubles(const Tensor& t) {
  Tensor d = to_dtype(t, DType::f64).contiguous();
  const double* p = d.data_ptr<double>();
  return std::vector<double>(p, p + d.numel());
}

double normalised(double log_prob, size_t length, double penalty) {
  return penalty == 0 ? log_prob : log_prob / std::pow(double(length), penalty);
}

void check_options(const DecodeOptions& o, const char* op) {
  CAJAL_CHECK(o.max_len >= 1, op, "expected max_len >= 1, got {}", o.max_len);
}

}  // namespace

std::vector<std::vector<int64_t>> greedy_decode(StepDecoder& decoder, int64_t rows, const DecodeOptions& options) {
  check_options(options, "greedy_decode");
  CAJAL_CHECK(rows >= 1, "greedy_decode", "expected at least one row, got {}", rows);
  NoGradGuard no_grad;
  std::vector<std::vector<int64_t>> out(static_cast<size_t>(rows));
  std::vector<int64_t> last(size_t(rows), options.sos);
  std::vector<bool> done(size_t(rows), false);
  for (int64_t t = 0; t < options.max_len; ++t) {
    const std::vector<double> lp = to_doubles(decoder.step(from_vector(last, {rows})));
    const int64_t V = int64_t(lp.size()) / rows;
    bool all_done = true;
    for (int64_t r = 0; r < rows; ++r) {
      const double* row = lp.data() + r * V;
      const int64_t best = int64_t(std::max_element(row, row + V) - row);  // the first of equal maxima
      last[size_t(r)] = best;
      if (done[size_t(r)]) continue;
      if (best == options.eos)
        done[size_t(r)] = true;
      else
        out[size_t(r)].push_back(best);
      all_done = all_done && done[size_t(r)];
    }
    if (all_done) break;
  }
  return out;
}

std::vector<Hypothesis> beam_search(StepDecoder& decoder, const BeamOptions& options) {
  check_options(options, "beam_search");
  CAJAL_CHECK(options.beam >= 1, "beam_search", "expected a beam width >= 1, got {}", options.beam);
  CAJAL_CHECK(std::isfinite(options.length_penalty) && options.length_penalty >= 0, "beam_search",
              "expected a finite length_penalty >= 0, got {}", options.length_penalty);
  NoGradGuard no_grad;
  const size_t k = size_t(options.beam);
  std::vector<Hypothesis> live(1), finished;
  struct Candidate {
    double log_prob;
    int64_t row, token;
  };
  std::vector<Candidate> candidates;
  for (int64_t t = 0; t < options.max_len; ++t) {
    std::vector<int64_t> last;
    for (const auto& h : live) last.push_back(h.tokens.empty() ? options.sos : h.tokens.back());
    const int64_t rows = int64_t(live.size());
    const std::vector<double> lp = to_doubles(decoder.step(from_vector(last, {rows})));
    const int64_t V = int64_t(lp.size()) / rows;
    candidates.clear();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < V; ++v) candidates.push_back({live[size_t(r)].log_prob + lp[size_t(r * V + v)], r, v});
    // Best first; ties to the lower row, then the lower token (so beam 1 picks what greedy picks).
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.log_prob > b.log_prob; });
    std::vector<Hypothesis> next;
    std::vector<int64_t> keep;
    for (const Candidate& c : candidates) {
      if (next.size() == k || !std::isfinite(c.log_prob)) break;
      Hypothesis h = live[size_t(c.row)];
      h.log_prob = c.log_prob;
      if (c.token == options.eos) {
        h.finished = true;
        h.score = normalised(h.log_prob, h.tokens.size() + 1, options.length_penalty);
        finished.push_back(std::move(h));
      } else {
        h.tokens.push_back(c.token);
        next.push_back(std::move(h));
        keep.push_back(c.row);
      }
    }
    live = std::move(next);
    if (live.empty()) break;
    // Stop when no live hypothesis scores, at its present length, above the best finished one. Without
    // length normalisation this is exact (log-probabilities only fall as a hypothesis grows); with it,
    // the usual heuristic. Live and finished hypotheses of this step have the same length, so beam 1
    // stops exactly when greedy reads <eos>.
    double best_finished = -INFINITY, best_live = -INFINITY;
    for (const auto& h : finished) best_finished = std::max(best_finished, h.score);
    for (const auto& h : live)
      best_live = std::max(best_live, normalised(h.log_prob, h.tokens.size(), options.length_penalty));
    if (!finished.empty() && best_finished >= best_live) {
      live.clear();  // none can win: the search is over
      break;
    }
    decoder.select(keep);
  }
  for (auto& h : live) {  // still live after max_len tokens: they end there, unfinished
    h.score = normalised(h.log_prob, std::max<size_t>(1, h.tokens.size()), options.length_penalty);
    finished.push_back(std::move(h));
  }
  std::stable_sort(finished.begin(), finished.end(),
                   [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
  if (finished.size() > k) finished.resize(k);
  return finished;
}

}  // namespace cajal::models
