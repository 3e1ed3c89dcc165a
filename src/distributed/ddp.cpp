// DistributedDataParallel (see cajal/distributed/ddp.h): buckets of flat gradient buffers, filled
// by gradient hooks as backward produces them and reduced with MPI_Iallreduce as each completes.
#include "cajal/distributed/ddp.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "cajal/autograd/grad_mode.h"
#include "cajal/ops/ops.h"
#include "distributed_detail.h"

namespace cajal::distributed {

struct DistributedDataParallel::State {
  struct Slot {
    Tensor param;
    int64_t bucket = 0, offset = 0;  // where its gradient lives in its bucket's buffer
    bool ready = false;
  };
  struct Bucket {
    Tensor buffer;  // flat, the parameters' dtype
    std::vector<int64_t> slots;
    int64_t ready = 0;
    bool launched = false;
#ifdef CAJAL_HAVE_MPI
    MPI_Request request = MPI_REQUEST_NULL;
#endif
  };
  std::vector<Slot> slots;
  std::vector<Bucket> buckets;
  bool alive = true;  // the hooks outlive the wrapper: they do nothing once it is gone
  SyncStats stats;

  void launch(Bucket& b) {
    b.launched = true;
#ifdef CAJAL_HAVE_MPI
    if (world_size() > 1)
      MPI_Iallreduce(MPI_IN_PLACE, b.buffer.raw_data(), int(b.buffer.numel()), detail::mpi_type(b.buffer.dtype()),
                     MPI_SUM, MPI_COMM_WORLD, &b.request);
#endif
  }

  // A parameter's gradient of this backward has arrived (the hook sees the summed gradient once).
  void arrived(int64_t slot_index, const Tensor& grad) {
    if (!alive) return;
    Slot& s = slots[size_t(slot_index)];
    CAJAL_CHECK_KIND(!s.ready, Runtime, "DistributedDataParallel",
                     "parameter {} received a second gradient before finish_gradient_sync(): call it after every "
                     "backward (accumulating gradients over several backward calls is not supported)",
                     slot_index);
    Bucket& b = buckets[size_t(s.bucket)];
    Tensor dst = b.buffer.narrow(0, s.offset, s.param.numel()).view(s.param.shape());
    {
      NoGradGuard ng;
      dst.copy_(grad);
    }
    s.ready = true;
    if (++b.ready == int64_t(b.slots.size())) {
      launch(b);
      ++stats.launched_early;
    }
#ifdef CAJAL_HAVE_MPI
    // Drive the progress of the reductions already in flight (Open MPI progresses in MPI calls).
    for (Bucket& other : buckets)
      if (other.launched && other.request != MPI_REQUEST_NULL) {
        int done = 0;
        MPI_Test(&other.request, &done, MPI_STATUS_IGNORE);
      }
#endif
  }
};

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<nn::Module> module, DDPOptions options)
    : module_(std::move(module)), state_(std::make_shared<State>()) {
  CAJAL_CHECK(module_ != nullptr, "DistributedDataParallel", "expected a module, got null");
  CAJAL_CHECK(options.bucket_cap_mb > 0, "DistributedDataParallel", "expected bucket_cap_mb > 0, got {}",
              options.bucket_cap_mb);
  if (!initialized()) init();
  // Every replica starts from rank 0's weights (and running statistics).
  {
    NoGradGuard ng;
    for (Tensor p : module_->parameters()) broadcast(p, 0);
    if (options.broadcast_buffers)
      for (auto& [name, b] : module_->named_buffers())
        if (b.dtype() == DType::f32 || b.dtype() == DType::f64 || b.dtype() == DType::i64) {
          Tensor t = b;
          broadcast(t, 0);
        }
  }
  // Buckets in reverse registration order: the last layers' gradients come first in backward.
  std::vector<Tensor> params;
  for (const Tensor& p : module_->parameters())
    if (p.requires_grad()) params.push_back(p);
  const int64_t cap_bytes = int64_t(options.bucket_cap_mb * 1024 * 1024);
  State& st = *state_;
  int64_t bytes = 0;
  for (auto it = params.rbegin(); it != params.rend(); ++it) {
    const Tensor& p = *it;
    CAJAL_CHECK_TYPE(p.dtype() == params.front().dtype(), "DistributedDataParallel",
                     "expected every parameter in one floating dtype, got {} and {}", dtype_name(p.dtype()),
                     dtype_name(params.front().dtype()));
    if (st.buckets.empty() || (bytes > 0 && bytes + p.numel() * int64_t(p.element_size()) > cap_bytes)) {
      st.buckets.emplace_back();
      bytes = 0;
    }
    State::Bucket& b = st.buckets.back();
    st.slots.push_back({p, int64_t(st.buckets.size()) - 1, bytes / int64_t(p.element_size()), false});
    b.slots.push_back(int64_t(st.slots.size()) - 1);
    bytes += p.numel() * int64_t(p.element_size());
  }
  for (size_t k = 0; k < st.buckets.size(); ++k) {
    int64_t n = 0;
    for (int64_t s : st.buckets[k].slots) n += st.slots[size_t(s)].param.numel();
    st.buckets[k].buffer = zeros({n}, params.front().dtype());
  }
  std::weak_ptr<State> weak = state_;
  for (size_t i = 0; i < st.slots.size(); ++i) {
    Tensor p = st.slots[i].param;
    p.register_hook([weak, i](const Tensor& g) {
      if (auto s = weak.lock()) s->arrived(int64_t(i), g);
      return Tensor();  // the gradient itself is unchanged; the average replaces it at the sync
    });
  }
}

DistributedDataParallel::~DistributedDataParallel() { state_->alive = false; }

Tensor DistributedDataParallel::forward(const Tensor& x) { return nn::as_unary(*module_, "DistributedDataParallel").forward(x); }

void DistributedDataParallel::finish_gradient_sync() {
  const auto t0 = std::chrono::steady_clock::now();
  State& st = *state_;
  for (auto& b : st.buckets) {
    if (b.launched) continue;
    // Parameters that took no part in this step's loss contribute zeros, on every rank alike.
    for (int64_t s : b.slots)
      if (!st.slots[size_t(s)].ready) {
        const auto& slot = st.slots[size_t(s)];
        NoGradGuard ng;
        b.buffer.narrow(0, slot.offset, slot.param.numel()).zero_();
      }
    st.launch(b);
  }
#ifdef CAJAL_HAVE_MPI
  for (auto& b : st.buckets)
    if (b.request != MPI_REQUEST_NULL) MPI_Wait(&b.request, MPI_STATUS_IGNORE);
#endif
  const double scale = 1.0 / world_size();
  NoGradGuard ng;
  for (auto& b : st.buckets) {
    if (scale != 1.0) b.buffer.mul_(scale);
    for (int64_t si : b.slots) {
      State::Slot& s = st.slots[size_t(si)];
      Tensor avg = b.buffer.narrow(0, s.offset, s.param.numel()).view(s.param.shape());
      Tensor g = s.param.grad();
      if (g.defined())
        g.copy_(avg);
      else
        s.param.set_grad(avg.clone());
      s.ready = false;
    }
    b.ready = 0;
    b.launched = false;
  }
  st.stats.syncs += 1;
  st.stats.buckets_total += int64_t(st.buckets.size());
  st.stats.bytes_per_sync = 0;
  for (const auto& b : st.buckets) st.stats.bytes_per_sync += b.buffer.numel() * int64_t(b.buffer.element_size());
  st.stats.wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

const SyncStats& DistributedDataParallel::stats() const { return state_->stats; }

int64_t DistributedDataParallel::num_buckets() const { return int64_t(state_->buckets.size()); }

std::vector<std::vector<int64_t>> DistributedDataParallel::bucket_parameter_indices() const {
  // Slot k holds parameter (P - 1 - k) of the trainable list (reverse order).
  const int64_t P = int64_t(state_->slots.size());
  std::vector<std::vector<int64_t>> out;
  for (const auto& b : state_->buckets) {
    out.emplace_back();
    for (int64_t s : b.slots) out.back().push_back(P - 1 - s);
  }
  return out;
}

}  // namespace cajal::distributed
