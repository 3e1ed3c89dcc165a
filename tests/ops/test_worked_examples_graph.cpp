// Worked examples of computational graphs and backprop (graph_add_mul, graph_x_plus_yz,
// graph_sigmoid_neuron, graph_mul_max) and one_hot_bad. Inputs and expected values are read
// from ../shared/spec/worked-examples.json with spec("id"); no number is retyped here.
// Each graph runs in float64 (the example's tolerance) and float32 (its float32 tolerance).
#include "support/test_support.h"

using namespace cajal;
using cajal::test::json_tensor;
using cajal::test::spec;
using cajal::test::spec_tol;

namespace {

struct Example {
  std::string id;
  DType dtype;
  const nlohmann::json& in() const { return spec(id).at("inputs"); }
  const nlohmann::json& out() const { return spec(id).at("outputs"); }
  // An input as a 0-D leaf that requires grad.
  Tensor leaf(const char* name) const {
    Tensor t = json_tensor(in().at(name), dtype);
    t.requires_grad_();
    return t;
  }
  // Compares t with outputs[name] under the example's tolerance for this dtype.
  void expect(const Tensor& t, const char* name) const {
    ASSERT_TRUE(t.defined()) << id << ": " << name << " is undefined";
    auto tol = spec_tol(id, dtype == DType::f32);
    EXPECT_TRUE(test::tensors_close(t, json_tensor(out().at(name), t.dtype()), tol.abs, tol.rel)) << id << ": " << name;
  }
};

std::vector<Example> both_dtypes(const std::string& id) { return {{id, DType::f64}, {id, DType::f32}}; }

}  // namespace

TEST(WorkedExamplesGraph, GraphAddMul) {
  for (const Example& ex : both_dtypes("graph_add_mul")) {
    Tensor x = ex.leaf("x"), y = ex.leaf("y"), z = ex.leaf("z");
    Tensor q = x + y;
    q.retain_grad();
    Tensor f = q * z;
    f.backward();
    ex.expect(q, "q");
    ex.expect(f, "f");
    ex.expect(q.grad(), "df_dq");
    ex.expect(x.grad(), "df_dx");
    ex.expect(y.grad(), "df_dy");
    ex.expect(z.grad(), "df_dz");
  }
}

TEST(WorkedExamplesGraph, GraphXPlusYZ) {
  for (const Example& ex : both_dtypes("graph_x_plus_yz")) {
    Tensor x = ex.leaf("x"), y = ex.leaf("y"), z = ex.leaf("z");
    Tensor q = y * z;
    q.retain_grad();
    Tensor f = x + q;
    f.backward();
    ex.expect(q, "q");
    ex.expect(f, "f");
    ex.expect(q.grad(), "df_dq");
    ex.expect(x.grad(), "df_dx");
    ex.expect(y.grad(), "df_dy");
    ex.expect(z.grad(), "df_dz");
  }
}

// The staged sigmoid neuron: f8 = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))), every stage a recorded op.
TEST(WorkedExamplesGraph, GraphSigmoidNeuron) {
  for (const Example& ex : both_dtypes("graph_sigmoid_neuron")) {
    Tensor w0 = ex.leaf("w0"), x0 = ex.leaf("x0"), w1 = ex.leaf("w1"), x1 = ex.leaf("x1"), w2 = ex.leaf("w2");
    Tensor f1 = w0 * x0;
    Tensor f2 = w1 * x1;
    Tensor f3 = f1 + f2;
    Tensor f4 = f3 + w2;
    Tensor f5 = -f4;
    Tensor f6 = exp(f5);
    Tensor f7 = 1.0 + f6;
    Tensor f8 = 1.0 / f7;
    std::vector<Tensor> stages{f1, f2, f3, f4, f5, f6, f7, f8};
    for (Tensor& s : stages) s.retain_grad();
    f8.backward();
    const char* values[] = {"f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"};
    const char* grads[] = {"df_df1", "df_df2", "df_df3", "df_df4", "df_df5", "df_df6", "df_df7", "df_df8"};
    for (size_t i = 0; i < stages.size(); ++i) {
      ex.expect(stages[i], values[i]);
      ex.expect(stages[i].grad(), grads[i]);
    }
    ex.expect(w0.grad(), "df_dw0");
    ex.expect(x0.grad(), "df_dx0");
    ex.expect(w1.grad(), "df_dw1");
    ex.expect(x1.grad(), "df_dx1");
    ex.expect(w2.grad(), "df_dw2");
    // The whole chain f4 -> f8 is the sigmoid: df/df4 = f8 (1 - f8).
    ex.expect(f8.detach() * (1.0 - f8.detach()), "sigmoid_shortcut_f8_times_1_minus_f8");
  }
}

// f2 = max(z, w) routes the whole upstream gradient to the larger input. Built twice: with the
// pointwise maximum and with max over the stacked pair (both split ties evenly; this example has none).
TEST(WorkedExamplesGraph, GraphMulMax) {
  for (const Example& ex : both_dtypes("graph_mul_max")) {
    for (bool via_stack : {false, true}) {
      Tensor x = ex.leaf("x"), y = ex.leaf("y"), z = ex.leaf("z"), w = ex.leaf("w");
      Tensor f1 = x * y;
      Tensor f2 = via_stack ? max(stack({z, w})) : maximum(z, w);
      Tensor f3 = f1 + f2;
      Tensor f4 = f3 * 2.0;
      for (Tensor* s : {&f1, &f2, &f3}) s->retain_grad();
      f4.backward();
      ex.expect(f1, "f1");
      ex.expect(f2, "f2");
      ex.expect(f3, "f3");
      ex.expect(f4, "f4");
      ex.expect(f3.grad(), "df4_df3");
      ex.expect(f1.grad(), "df4_df1");
      ex.expect(f2.grad(), "df4_df2");
      ex.expect(x.grad(), "df4_dx");
      ex.expect(y.grad(), "df4_dy");
      ex.expect(z.grad(), "df4_dz");
      ex.expect(w.grad(), "df4_dw");
    }
  }
}

TEST(WorkedExamplesGraph, OneHotBad) {
  const auto& s = spec("one_hot_bad");
  const std::string text = s.at("inputs").at("text"), vocabulary = s.at("inputs").at("vocabulary");
  const int64_t vocab_size = s.at("inputs").at("vocab_size");
  ASSERT_EQ(int64_t(vocabulary.size()), vocab_size);
  std::vector<int64_t> ids;
  for (char c : text) ids.push_back(int64_t(vocabulary.find(c)));
  Tensor indices = from_vector(ids, {int64_t(ids.size())});
  EXPECT_TRUE(equal(indices, json_tensor(s.at("outputs").at("indices"), DType::i64)));
  Tensor rows = one_hot(indices, vocab_size);
  EXPECT_EQ(rows.dtype(), DType::i64);
  EXPECT_TRUE(equal(rows, json_tensor(s.at("outputs").at("one_hot_rows"), DType::i64)));
  // Inferring the class count from the data gives only max + 1 = 4 columns: pass vocab_size.
  EXPECT_EQ(one_hot(indices).shape(), (Shape{3, 4}));
}
