// Rows generated from the op table itself: every elementwise row of op_list.h (one that carries
// lo, hi, (kinks), ref) gets a contiguous and a strided case, checked against its scalar `ref`.
// Adding such an op to the table is therefore its harness row; nothing here changes.
#include <cmath>

#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

const SampleDomain& domain_of(const char* name) {
  for (const OpInfo& info : kOpTable)
    if (std::string(info.name) == name) return info.domain;
  throw std::logic_error(std::string("no op-table row ") + name);
}

void add_elementwise(std::vector<OpRow>& rows, const char* name, Tensor (*op)(const Tensor&), double (*ref)(double)) {
  const SampleDomain d = domain_of(name);
  OpRow contiguous{name, "table domain (3, 4)"};
  contiguous.inputs = [d] { return Inputs{sample({3, 4}, d, 3)}; };
  contiguous.fn = [op](const Inputs& in) { return op(in[0]); };
  contiguous.ref = [ref](const Inputs& in) { return map_ref(in[0], ref); };
  rows.push_back(contiguous);
  OpRow strided = contiguous;  // transposed, every other column: a non-contiguous operand
  strided.label = "table domain, strided view";
  strided.inputs = [d] { return Inputs{sample({6, 3}, d, 5)}; };
  strided.fn = [op](const Inputs& in) { return op(in[0].t().slice(1, 0, 6, 2)); };
  strided.ref = [ref](const Inputs& in) { return map_ref(in[0].t().slice(1, 0, 6, 2), ref); };
  rows.push_back(strided);
}

}  // namespace

// The op is called through a lambda, so its other arguments take their defaults and an overloaded
// name resolves to its one-tensor form.
#define CAJAL_ELEMENTWISE_ROW(name, lo, hi, kinks, ref)                                          \
  add_elementwise(                                                                              \
      rows, #name, [](const Tensor& x) { return ::cajal::name(x); },                            \
      [](double x) { return double(ref); });
#define CAJAL_ELEMENTWISE(name, arity, kind, ...) __VA_OPT__(CAJAL_ELEMENTWISE_ROW(name, __VA_ARGS__))

CAJAL_OP_ROWS(elementwise) {
  std::vector<OpRow> rows;
  CAJAL_OP_LIST(CAJAL_ELEMENTWISE)
  return rows;
}
