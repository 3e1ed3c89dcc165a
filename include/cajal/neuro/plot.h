// Pictures of neural simulations (membrane traces, spike rasters, tuning curves, decoded vs true
// signals) as PNG through PLplot, the plotting library of the training curves (train/plot.h), and
// the traces behind them as CSV.
#pragma once
#include <string>
#include <vector>

#include "cajal/neuro/spikes.h"

namespace cajal::neuro {

struct PlotLine {
  std::string label;  // empty: not in the legend
  std::vector<double> x, y;
  bool dashed = false;
  int color = -1;  // a PLplot colour map 0 index; -1: the next of the panel's palette
};

// One panel: lines, and optionally a spike raster (a dot per event: time on x, neuron on y).
struct PlotPanel {
  std::string title, xlabel, ylabel;
  std::vector<PlotLine> lines;
  const SpikeTrain* raster = nullptr;
  double raster_time_scale = 1.0;  // event times are multiplied by this on the x axis
  double ymin = 0.0, ymax = 0.0;   // ymin == ymax: fitted to the data
};

// The panels stacked top to bottom in one PNG of width x (height per panel) pixels. Returns false
// (with the reason in `why`) when cajal was built without PLplot; the caller goes on without it.
bool plot_figure(const std::string& path, const std::vector<PlotPanel>& panels, std::string* why = nullptr,
                 int width = 900, int panel_height = 320);

// Columns of equal length as CSV with a header row; throws cajal::Error when the file cannot be
// written or the columns differ in length.
void write_csv(const std::string& path, const std::vector<std::string>& header,
               const std::vector<std::vector<double>>& columns);

}  // namespace cajal::neuro
