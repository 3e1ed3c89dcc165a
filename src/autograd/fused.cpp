// The per-thread counters of fused_or_composed (cajal/autograd/fused.h).
#include "cajal/autograd/fused.h"

#include "cajal/core/fast_tls.h"

namespace cajal::autograd {

namespace {
thread_local FusedStats t_fused_stats CAJAL_FAST_TLS;  // two counters: fits the static TLS reserve
}

FusedStats& fused_stats() { return t_fused_stats; }

}  // namespace cajal::autograd
