// Checkpoints for Python, in _cajal._io: the training checkpoints of cajal::io (what `cajal train`
// writes), when the io layer is built. cajal.save / cajal.load (cajal/serialization.py) handle plain
// state dicts in the safetensors layout and NumPy's .npz.
// Convention: functions exist only when cajal::io does; Python checks `hasattr(_io, ...)`.
#include "bindings.h"

#if __has_include("cajal/io/checkpoint.h")
#include "cajal/io/checkpoint.h"
#define CAJAL_PY_HAVE_IO_CHECKPOINT 1
#endif

namespace cajal::python {

void init_io(py::module_& m) {
  py::module_ io = m.def_submodule("_io", "cajal::io bindings");
#ifdef CAJAL_PY_HAVE_IO_CHECKPOINT
  io.def("load_checkpoint", [](const std::string& path) {
    io::Checkpoint ck = [&] {
      py::gil_scoped_release release;
      return io::load_checkpoint(path);
    }();
    py::dict d;
    d["model"] = state_dict_to_py(ck.model);
    d["optimizer"] = py::make_tuple(state_dict_to_py(ck.optimizer.tensors), json_to_py(ck.optimizer.meta));
    d["epoch"] = ck.epoch;
    d["step"] = ck.step;
    d["metadata"] = json_to_py(ck.metadata);
    return d;
  }, py::arg("path"), "A checkpoint written by `cajal train`: model and optimizer state, epoch, step, metadata.");
#else
  (void)io;
#endif
}

}  // namespace cajal::python
