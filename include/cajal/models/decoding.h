// Decoding a sequence from a model that predicts one token at a time: greedy and beam search,
// for any decoder behind the StepDecoder interface (a seq2seq model's decoder, a hand-built table
// in the tests).
//
// Beam search keeps `beam` live hypotheses. Each step expands every live one by every token, ranks
// the candidates by total log-probability, and walks them best first: a candidate ending in <eos>
// is finished (scored by its length-normalised log-probability, log p / length^length_penalty,
// length counting the <eos>), others fill the next beam until it holds `beam`. The search stops
// when `beam` hypotheses have finished or after max_len tokens (the live ones then finish as they
// are). With beam 1 this is exactly greedy decoding.
#pragma once
#include <cstdint>
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal::models {

// A decoder stepped by the search, holding one state per row (hypothesis or batch entry).
class StepDecoder {
 public:
  virtual ~StepDecoder() = default;
  // Log-probabilities [rows, V] of each row's next token after its last token `last` (int64 [rows]),
  // advancing each row's state by that token.
  virtual Tensor step(const Tensor& last) = 0;
  // Keeps the rows `rows` of the state in that order (a row may repeat): the beam's reordering.
  virtual void select(const std::vector<int64_t>& rows) = 0;
};

struct DecodeOptions {
  int64_t max_len = 20;  // tokens generated at most, <eos> included
  int64_t sos = 1, eos = 2;
};

// Every row decoded greedily (argmax each step, ties to the lowest id) until <eos> or max_len:
// the tokens of each row, <eos> left out.
std::vector<std::vector<int64_t>> greedy_decode(StepDecoder& decoder, int64_t rows, const DecodeOptions& options = {});

struct BeamOptions : DecodeOptions {
  int64_t beam = 5;
  double length_penalty = 1.0;  // score = log p / length^length_penalty; 0: raw log-probability
};

struct Hypothesis {
  std::vector<int64_t> tokens;  // <eos> left out
  double log_prob = 0;
  double score = 0;             // log_prob normalised by length
  bool finished = false;        // ended in <eos> (false: cut at max_len)
};

// Beam search from a decoder holding ONE row: the hypotheses found, best score first (at most beam).
// beam < 1 or max_len < 1 is a cajal::Error naming "beam_search".
std::vector<Hypothesis> beam_search(StepDecoder& decoder, const BeamOptions& options = {});

}  // namespace cajal::models
