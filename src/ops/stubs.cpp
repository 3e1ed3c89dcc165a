// TEMPORARY: ops declared in cajal/ops/ops.h whose family file is being written. Each family
// author deletes the stubs of the ops they implement; this file goes away when it is empty.
#include "cajal/ops/ops.h"

namespace cajal {
#define CAJAL_STUB(op) CAJAL_FAIL(Runtime, #op, "not implemented yet")
}  // namespace cajal
