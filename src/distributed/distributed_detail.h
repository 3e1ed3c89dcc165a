// Internal to src/distributed: raw-buffer collectives and the MPI type of a dtype.
#pragma once
#include "cajal/distributed/distributed.h"

#ifdef CAJAL_HAVE_MPI
#include <mpi.h>
#endif

namespace cajal::distributed::detail {

#ifdef CAJAL_HAVE_MPI
MPI_Datatype mpi_type(DType d);
MPI_Op mpi_op(ReduceOp op);
#endif
void all_reduce_raw(void* data, int64_t count, DType dtype, ReduceOp op);

}  // namespace cajal::distributed::detail
