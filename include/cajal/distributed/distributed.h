// Data-parallel training over MPI (Open MPI from Debian): the process group and its collectives.
//
//   mpirun -np 2 my_program        # each process: distributed::init(), then rank() / world_size()
//
// Convention: every collective is called by every rank in the same order (MPI's rule); tensors
// are reduced in place, must be contiguous and of the same shape and dtype on every rank
// (float32, float64 or int64). Without mpirun (or when cajal was built without MPI) the group is
// one process: rank 0 of 1, and every collective is the identity.
// Failure: a rank that cannot go on calls abort_all(), which prints the rank and the reason and
// ends every rank with a non-zero status (MPI_Abort) instead of leaving the others in a hang.
#pragma once
#include <string>
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal::distributed {

// Initialises MPI once per process (thread level "funneled": only the calling thread calls MPI);
// later calls do nothing. Finalisation happens at exit.
void init();
bool available();    // cajal was built with MPI
bool initialized();  // init() ran
int rank();          // 0 before init()
int world_size();    // 1 before init()
int local_rank();    // rank among the processes on this host (OMPI_COMM_WORLD_LOCAL_RANK)

enum class ReduceOp { Sum, Mean, Max, Min };

void all_reduce(Tensor& t, ReduceOp op = ReduceOp::Sum);  // in place
void broadcast(Tensor& t, int root = 0);                  // in place: every rank gets root's values
Tensor all_gather(const Tensor& t);                       // [world_size, *t.shape()], rank order
void barrier();

// Prints "cajal: rank R of W failed: WHY" on stderr and ends every rank (exit status `code`).
[[noreturn]] void abort_all(const std::string& why, int code = 1);

}  // namespace cajal::distributed
