// NumPy's .npy and .npz files.
//
// .npy: magic "\x93NUMPY", version (1.0, 2.0 or 3.0 read; 1.0 written, 2.0 when the header
// exceeds 64 KiB), a little-endian header length (2 bytes in 1.0, 4 in 2.0/3.0), a Python dict
// literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded to a multiple of 64
// bytes, then the raw data. dtypes: '<f4' float32, '<f8' float64, '<i8' int64, '|u1' uint8,
// '|b1' bool (big-endian '>' forms are byte-swapped on reading). fortran_order True data is
// transposed into a row-major tensor.
// .npz: a zip archive of .npy entries named "<key>.npy" (np.savez / np.savez_compressed).
// Entries are written STORED (uncompressed, with a zlib CRC32); STORED and DEFLATED entries are
// read, with the CRC checked. Zip64 archives are read; writing is limited to 4 GiB.
//
// Writes are atomic (temporary file + fsync + rename, see cajal/io/safetensors.h). Readers throw
// cajal::Error (ErrorKind::IO) naming the path (and the .npz entry) and the byte offset.
#pragma once
#include <string>

#include "cajal/core/state_dict.h"

namespace cajal::io {

Tensor load_npy(const std::string& path);
void save_npy(const std::string& path, const Tensor& tensor);

StateDict load_npz(const std::string& path);  // keys without ".npy", in archive order
void save_npz(const std::string& path, const StateDict& arrays);

}  // namespace cajal::io
