// The notes' vanishing gradient, measured (cajal/examples/vanishing_gradient.h): the tanh RNN's
// dependence on inputs far back decays much faster than the LSTM's.
#include <cmath>
#include <filesystem>

#include "cajal/examples/vanishing_gradient.h"
#include "support/test_support.h"

using namespace cajal;

TEST(VanishingGradient, TheRnnGradientDecaysFasterThanTheLstms) {
  const auto v = examples::vanishing_gradient(100, 32, 0);
  ASSERT_EQ(v.rnn.size(), 100u);
  ASSERT_EQ(v.lstm.size(), 100u);
  for (size_t d = 0; d < 100; ++d) ASSERT_TRUE(std::isfinite(v.rnn[d]) && std::isfinite(v.lstm[d])) << d;
  // Relative to the last input, the RNN keeps over 10x less of the input 10 steps back than the
  // LSTM does, over 10^4 x less 30 and 60 steps back, and what it keeps shrinks with distance.
  // (Measured: 1.3e-3 vs 0.11 at 10 steps, 5e-9 vs 2e-3 at 30.)
  for (auto [d, factor] : {std::pair{10u, 1e-1}, std::pair{30u, 1e-4}, std::pair{60u, 1e-4}}) {
    const double rnn = v.rnn[d] / v.rnn[0], lstm = v.lstm[d] / v.lstm[0];
    EXPECT_LT(rnn, factor * lstm) << "distance " << d << ": rnn " << rnn << ", lstm " << lstm;
  }
  EXPECT_LT(v.rnn[30] / v.rnn[0], 1e-6);
  EXPECT_GT(v.lstm[30] / v.lstm[0], 1e-4);
  EXPECT_LT(v.rnn[60], v.rnn[30]);
  EXPECT_LT(v.rnn[30], v.rnn[10]);
  // A fixed seed gives the same numbers.
  EXPECT_EQ(examples::vanishing_gradient(100, 32, 0).lstm, v.lstm);
}

TEST(VanishingGradient, PrintsTheTableAndDrawsThePicture) {
  const auto v = examples::vanishing_gradient(20, 8, 1);
  const std::string table = examples::format_vanishing_gradient(v);
  EXPECT_NE(table.find("T = 20, 8 hidden units"), std::string::npos) << table;
  EXPECT_NE(table.find("tanh RNN"), std::string::npos);
  EXPECT_EQ(table.find("\n       20 "), std::string::npos) << "no row past the sequence";
  const auto path = std::filesystem::temp_directory_path() / ("cajal_vg_" + std::to_string(::getpid()) + ".png");
  std::string why;
  if (!examples::plot_vanishing_gradient(v, path.string(), &why)) GTEST_SKIP() << why;
  EXPECT_GT(std::filesystem::file_size(path), 1000u);
  std::filesystem::remove(path);
}

TEST(VanishingGradient, BadSizesAreAnError) {
  EXPECT_CAJAL_ERROR(examples::vanishing_gradient(1, 32), "vanishing_gradient", "expected steps >= 2 and hidden >= 1, got 1 and 32");
}
