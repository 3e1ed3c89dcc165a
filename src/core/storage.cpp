// Storage: allocator-backed or wrapping external memory.
#include "cajal/core/storage.h"

#include "cajal/core/allocator.h"

namespace cajal {

Storage::Storage(size_t nbytes) : data_(allocator::allocate(nbytes == 0 ? 1 : nbytes)), nbytes_(nbytes) {}

Storage::Storage(void* data, size_t nbytes, std::function<void()> release)
    : data_(data), nbytes_(nbytes), release_(std::move(release)) {
  if (!release_) release_ = [] {};  // NB: non-empty marks "not ours to free"
}

Storage::~Storage() {
  if (release_) {
    release_();
  } else {
    allocator::deallocate(data_, nbytes_ == 0 ? 1 : nbytes_);
  }
}

}  // namespace cajal
