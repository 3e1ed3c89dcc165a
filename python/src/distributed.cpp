// cajal::distributed for Python, in _cajal._distributed (wrapped by cajal.distributed): the
// process group, its collectives, DistributedSampler and DistributedDataParallel. No mpi4py:
// the C++ library talks to MPI itself.
#include "bindings.h"

#include "cajal/distributed/ddp.h"
#include "cajal/distributed/distributed.h"
#include "cajal/distributed/sampler.h"
#include "cajal/distributed/sync_batchnorm.h"

namespace cajal::python {

namespace {
distributed::ReduceOp reduce_op_from(const std::string& name) {
  if (name == "sum") return distributed::ReduceOp::Sum;
  if (name == "mean") return distributed::ReduceOp::Mean;
  if (name == "max") return distributed::ReduceOp::Max;
  if (name == "min") return distributed::ReduceOp::Min;
  CAJAL_FAIL(Value, "all_reduce", "expected op 'sum', 'mean', 'max' or 'min', got '{}'", name);
}
}  // namespace

void init_distributed(py::module_& m) {
  namespace d = cajal::distributed;
  py::module_ dm = m.def_submodule("_distributed", "cajal::distributed (wrapped by cajal.distributed)");
  dm.def("init", &d::init);
  dm.def("available", &d::available);
  dm.def("initialized", &d::initialized);
  dm.def("rank", &d::rank);
  dm.def("world_size", &d::world_size);
  dm.def("local_rank", &d::local_rank);
  dm.def("barrier", [] {
    py::gil_scoped_release release;
    d::barrier();
  });
  dm.def("all_reduce", [](Tensor& t, const std::string& op) {
    py::gil_scoped_release release;
    d::all_reduce(t, reduce_op_from(op));
    return t;
  }, py::arg("tensor"), py::arg("op") = "sum");
  dm.def("broadcast", [](Tensor& t, int root) {
    py::gil_scoped_release release;
    d::broadcast(t, root);
    return t;
  }, py::arg("tensor"), py::arg("src") = 0);
  dm.def("all_gather", [](const Tensor& t) {
    py::gil_scoped_release release;
    return d::all_gather(t);
  }, py::arg("tensor"));
  dm.def("abort_all", [](const std::string& why, int code) { d::abort_all(why, code); }, py::arg("why"),
         py::arg("code") = 1);

  dm.def("convert_sync_batchnorm", [](std::shared_ptr<nn::Module> module) { return d::convert_sync_batchnorm(*module); },
         py::arg("module"));
  dm.def("all_reduce_sum_differentiable", [](const Tensor& t) {
    py::gil_scoped_release release;
    return d::all_reduce_sum_differentiable(t);
  }, py::arg("tensor"));

  py::class_<d::DistributedSampler>(dm, "DistributedSampler")
      .def(py::init([](int64_t n, int64_t replicas, int64_t rank, bool shuffle, uint64_t seed, bool drop_last) {
             return d::DistributedSampler(n, {.num_replicas = replicas, .rank = rank, .shuffle = shuffle,
                                              .seed = seed, .drop_last = drop_last});
           }),
           py::arg("dataset_size"), py::arg("num_replicas"), py::arg("rank"), py::arg("shuffle") = true,
           py::arg("seed") = 0, py::arg("drop_last") = false)
      .def("indices", &d::DistributedSampler::indices, py::arg("epoch"))
      .def_property_readonly("num_samples", &d::DistributedSampler::num_samples);

  py::class_<d::DistributedDataParallel, std::shared_ptr<d::DistributedDataParallel>>(dm, "DistributedDataParallel")
      .def(py::init([](std::shared_ptr<nn::Module> module, double bucket_cap_mb, bool broadcast_buffers) {
             return std::make_shared<d::DistributedDataParallel>(
                 std::move(module), d::DDPOptions{.bucket_cap_mb = bucket_cap_mb, .broadcast_buffers = broadcast_buffers});
           }),
           py::arg("module"), py::arg("bucket_cap_mb") = 4.0, py::arg("broadcast_buffers") = true)
      .def("finish_gradient_sync", [](d::DistributedDataParallel& ddp) {
        py::gil_scoped_release release;
        ddp.finish_gradient_sync();
      })
      .def_property_readonly("num_buckets", &d::DistributedDataParallel::num_buckets);
}

}  // namespace cajal::python
