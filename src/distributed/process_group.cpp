// The MPI process group and its collectives (see cajal/distributed/distributed.h). Built with
// CAJAL_HAVE_MPI when CMake finds MPI; otherwise the group is always one process.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cajal/autograd/grad_mode.h"
#include "cajal/distributed/distributed.h"
#include "cajal/ops/ops.h"
#include "distributed_detail.h"

#ifdef CAJAL_HAVE_MPI
#include <mpi.h>
#endif

namespace cajal::distributed {

namespace {
bool g_initialized = false;
int g_rank = 0, g_world = 1;

#ifdef CAJAL_HAVE_MPI
void finalize_at_exit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}
#endif

Tensor& checked(Tensor& t, const char* op) {
  CAJAL_CHECK(t.defined(), op, "expected a tensor, got undefined");
  CAJAL_CHECK(t.is_contiguous(), op, "expected a contiguous tensor (reduced in place), got strides of shape {}",
              shape_str(t.shape()));
  CAJAL_CHECK_TYPE(t.dtype() == DType::f32 || t.dtype() == DType::f64 || t.dtype() == DType::i64, op,
                   "expected float32, float64 or int64, got {}", dtype_name(t.dtype()));
  return t;
}
}  // namespace

void init() {
  if (g_initialized) return;
#ifdef CAJAL_HAVE_MPI
  int already = 0;
  MPI_Initialized(&already);
  if (!already) {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    std::atexit(finalize_at_exit);
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_world);
  // A rank that throws must not leave the others waiting in a collective: errors abort all.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
#endif
  g_initialized = true;
}

bool available() {
#ifdef CAJAL_HAVE_MPI
  return true;
#else
  return false;
#endif
}
bool initialized() { return g_initialized; }
int rank() { return g_rank; }
int world_size() { return g_world; }
int local_rank() {
  if (const char* v = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK")) return std::atoi(v);
  return g_rank;
}

void all_reduce(Tensor& t, ReduceOp op) {
  checked(t, "all_reduce");
  CAJAL_CHECK_TYPE(!(op == ReduceOp::Mean && t.dtype() == DType::i64), "all_reduce",
                   "expected a floating tensor for ReduceOp::Mean, got int64");
  if (g_world > 1) detail::all_reduce_raw(t.raw_data(), t.numel(), t.dtype(), op == ReduceOp::Mean ? ReduceOp::Sum : op);
  if (op == ReduceOp::Mean) {
    NoGradGuard ng;
    t.mul_(1.0 / g_world);
  }
}

void broadcast(Tensor& t, int root) {
  checked(t, "broadcast");
  CAJAL_CHECK(root >= 0 && root < g_world, "broadcast", "expected a root rank in [0, {}), got {}", g_world, root);
#ifdef CAJAL_HAVE_MPI
  if (g_world > 1)
    MPI_Bcast(t.raw_data(), int(t.numel()), detail::mpi_type(t.dtype()), root, MPI_COMM_WORLD);
#endif
}

Tensor all_gather(const Tensor& t) {
  CAJAL_CHECK(t.defined(), "all_gather", "expected a tensor, got undefined");
  Tensor src = t.contiguous();
  checked(src, "all_gather");
  Shape shape{g_world};
  for (int64_t d : t.shape()) shape.push_back(d);
  Tensor out = empty(shape, t.dtype());
#ifdef CAJAL_HAVE_MPI
  if (g_world > 1) {
    MPI_Allgather(src.raw_data(), int(src.numel()), detail::mpi_type(t.dtype()), out.raw_data(), int(src.numel()),
                  detail::mpi_type(t.dtype()), MPI_COMM_WORLD);
    return out;
  }
#endif
  out.copy_(src.reshape(shape));
  return out;
}

void barrier() {
#ifdef CAJAL_HAVE_MPI
  if (g_world > 1) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

void abort_all(const std::string& why, int code) {
  std::fprintf(stderr, "cajal: rank %d of %d failed: %s\n", g_rank, g_world, why.c_str());
  std::fflush(stderr);
#ifdef CAJAL_HAVE_MPI
  int ready = 0;
  MPI_Initialized(&ready);
  if (ready && g_world > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

namespace detail {

#ifdef CAJAL_HAVE_MPI
MPI_Datatype mpi_type(DType d) {
  switch (d) {
    case DType::f32: return MPI_FLOAT;
    case DType::f64: return MPI_DOUBLE;
    case DType::i64: return MPI_INT64_T;
    default: CAJAL_FAIL(Type, "distributed", "expected float32, float64 or int64, got {}", dtype_name(d));
  }
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::Max: return MPI_MAX;
    case ReduceOp::Min: return MPI_MIN;
    default: return MPI_SUM;
  }
}
#endif

void all_reduce_raw(void* data, int64_t count, DType dtype, ReduceOp op) {
#ifdef CAJAL_HAVE_MPI
  CAJAL_CHECK(count <= INT32_MAX, "all_reduce", "expected at most {} elements per call, got {}", INT32_MAX, count);
  MPI_Allreduce(MPI_IN_PLACE, data, int(count), mpi_type(dtype), mpi_op(op), MPI_COMM_WORLD);
#else
  (void)data, (void)count, (void)dtype, (void)op;
#endif
}

}  // namespace detail

}  // namespace cajal::distributed
