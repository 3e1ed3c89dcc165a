// cajal::io for Python, in _cajal._io: safetensors files, NumPy .npy/.npz, and the training
// checkpoints that `cajal train` writes. cajal.save / cajal.load (cajal/serialization.py) are
// built on these.
// Convention: file work releases the GIL (the tensors involved are C++ ones, held by the call);
// malformed files raise CajalIOError with the path and byte offset from cajal::io.
#include "bindings.h"

#include "cajal/io/io.h"

namespace cajal::python {

void init_io(py::module_& m) {
  py::module_ io = m.def_submodule("_io", "cajal::io: safetensors, .npy/.npz and checkpoints");

  io.def("save_safetensors", [](const std::string& path, py::object tensors, std::map<std::string, std::string> meta) {
    StateDict sd = state_dict_from_py(tensors, "save");
    py::gil_scoped_release release;
    io::save_safetensors(path, sd, meta);
  }, py::arg("path"), py::arg("tensors"), py::arg("metadata") = std::map<std::string, std::string>{});
  io.def("load_safetensors", [](const std::string& path) {
    io::SafetensorsFile f = [&] {
      py::gil_scoped_release release;
      return io::load_safetensors(path);
    }();
    return py::make_tuple(state_dict_to_py(f.tensors), f.metadata);
  }, py::arg("path"), "(tensors, metadata) of a safetensors file.");

  io.def("save_npz", [](const std::string& path, py::object tensors) {
    StateDict sd = state_dict_from_py(tensors, "save");
    py::gil_scoped_release release;
    io::save_npz(path, sd);
  }, py::arg("path"), py::arg("tensors"));
  io.def("load_npz", [](const std::string& path) {
    StateDict sd = [&] {
      py::gil_scoped_release release;
      return io::load_npz(path);
    }();
    return state_dict_to_py(sd);
  }, py::arg("path"));
  io.def("save_npy", [](const std::string& path, const Tensor& t) {
    py::gil_scoped_release release;
    io::save_npy(path, t);
  }, py::arg("path"), py::arg("tensor"));
  io.def("load_npy", [](const std::string& path) {
    py::gil_scoped_release release;
    return io::load_npy(path);
  }, py::arg("path"));

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
}

}  // namespace cajal::python
