// CAJAL_FAST_TLS: marks a small thread_local as initial-exec.
//
// Why: libcajal is a shared library, and a thread_local there is by default reached through
// __tls_get_addr, a function call on every access (it was a quarter of a tiny op's time). The
// initial-exec model reads it straight from the thread pointer. Such variables come out of the
// static TLS reserve that glibc keeps for libraries loaded with dlopen (the Python module), which
// is small: use it only for pointers and flags, and keep bulky per-thread state behind a pointer.
#pragma once

#if defined(__GNUC__)
#define CAJAL_FAST_TLS __attribute__((tls_model("initial-exec")))
#else
#define CAJAL_FAST_TLS
#endif
