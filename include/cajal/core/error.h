// cajal::Error — the one exception type of the library.
// Convention: every message names the op, what was expected and what came, e.g.
//   "linear: input has 783 features, weight expects 784 (input shape [64, 783])".
// The kind lets the Python module map errors to ValueError / TypeError / IndexError / RuntimeError.
#pragma once
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>
#include <string>

namespace cajal {

enum class ErrorKind { Value, Type, Index, Runtime, IO };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& op, const std::string& what)
      : std::runtime_error(op.empty() ? what : op + ": " + what), kind_(kind), op_(op) {}
  ErrorKind kind() const { return kind_; }
  const std::string& op() const { return op_; }

 private:
  ErrorKind kind_;
  std::string op_;
};

}  // namespace cajal

// CAJAL_CHECK(cond, kind, op, fmt, args...): throw cajal::Error(kind, op, fmt::format(...)) when !cond.
#define CAJAL_CHECK_KIND(cond, kind, op, ...)                                             \
  do {                                                                                     \
    if (!(cond)) [[unlikely]]                                                              \
      throw ::cajal::Error(::cajal::ErrorKind::kind, (op), ::fmt::format(__VA_ARGS__));    \
  } while (0)
#define CAJAL_CHECK(cond, op, ...) CAJAL_CHECK_KIND(cond, Value, op, __VA_ARGS__)
#define CAJAL_CHECK_TYPE(cond, op, ...) CAJAL_CHECK_KIND(cond, Type, op, __VA_ARGS__)
#define CAJAL_CHECK_INDEX(cond, op, ...) CAJAL_CHECK_KIND(cond, Index, op, __VA_ARGS__)
#define CAJAL_FAIL(kind, op, ...) throw ::cajal::Error(::cajal::ErrorKind::kind, (op), ::fmt::format(__VA_ARGS__))
