// Winograd F(2x2, 3x3) for 3x3, stride-1, dilation-1, ungrouped convolutions: forward, and the
// exact adjoint of that forward for the input and weight gradients.
//
// Every 2x2 block ("tile") of the output is computed from the 4x4 input patch d under it as
//   y = A^T [ U ⊙ V ] A,   U = G w G^T (4x4 per (o, c)),   V = B^T d B (4x4 per (c, tile)),
// with the sum over input channels c inside ⊙: for each of the 16 positions ξ of the 4x4 grid,
// M_ξ (O x tiles) = U_ξ (O x C) · V_ξ (C x tiles), one GEMM. That costs 16 C O multiply-adds per
// tile instead of 36 C O for the 2x2 outputs directly (2.25x fewer), plus transforms that are
// linear in C + O.
//
// Backward from gy = dL/dy: Z = A gy A^T per (o, tile) is dL/dM, so
//   dL/dU_ξ = Σ_tiles Z_ξ V_ξ^T (O x C),   dw = G^T dL/dU G,
//   dL/dV_ξ = U_ξ^T Z_ξ (C x tiles),       dx += B dL/dV B^T at each tile's patch,
// the same GEMM shapes as the forward, and dx needs no rotated weights or second padding. Every
// GEMM is a plain (untransposed) product: the backward transforms the weights into U_ξ^T directly,
// and for dw the input is transformed channels-last into V_ξ^T (tiles x C).
//
// Work is cut into chunks of whole tile rows (over the batch, so a chunk may span images), sized
// so that one chunk's V and M/Z stay in the core's L2; threads take chunks. Patches of adjacent
// tile rows overlap by two input rows, so the dx scatter runs even chunks, then odd ones.
// Transforms are plain loops over a tile row, vectorised across the row's tiles (dw's input
// transform across channels).
#pragma once
#include <omp.h>

#include <algorithm>
#include <climits>
#include <cstdint>

#include "cajal/core/threading.h"
#include "kernels/cpu/gemm.h"

namespace cajal::kernels::cpu::winograd {

constexpr int64_t kPositions = 16;  // the 4x4 transformed grid
// The 16 planes of V (or M, Z) are this many elements more than a multiple of the chunk's tiles
// apart: a transform writes all 16 at once, and planes a power of two apart would share L1 sets.
constexpr int64_t kPlanePad = 16;
constexpr int64_t kMinChunkTiles = 128;

struct Geometry {
  int64_t N, C, O, H, W;  // input (N, C, H, W), weight (O, C, 3, 3)
  int64_t ph, pw;         // zero padding
  int64_t oh, ow;         // output plane: H + 2 ph - 2, W + 2 pw - 2
  int64_t th, tw;         // tiles: ceil(oh / 2) x ceil(ow / 2) per image
  int64_t rows_per_chunk, chunks;
  int64_t tile_rows() const { return N * th; }
  int64_t chunk_tiles() const { return rows_per_chunk * tw; }
  // Per-thread scratch (elements): V or dL/dV (16 C tiles), M or Z (16 O tiles), a zero line, 8
  // line buffers and 4 channels-last lines (C per column).
  int64_t line() const { return 2 * tw + 2; }  // a padded input line: the columns of one tile row
  int64_t slot_elems() const {
    return kPositions * ((C + O) * chunk_tiles() + 2 * kPlanePad) + 9 * line() + 4 * line() * C;
  }
  int64_t weight_elems() const { return kPositions * O * C; }  // U, or one thread's dL/dU
  // All the scratch forward / backward take: U (or its transpose), then one slot per thread.
  int64_t scratch_elems(int slots) const { return weight_elems() + slots * slot_elems(); }
};

// Target tiles per chunk: 16 (C + O) tiles floats should sit in L2 with room for the GEMM's packing.
// (min_tiles below kMinChunkTiles only for tests that want many chunks out of small shapes.)
inline Geometry plan(int64_t N, int64_t C, int64_t O, int64_t H, int64_t W, int64_t ph, int64_t pw,
                     int64_t target_bytes = int64_t(1) << 20, int64_t elem_size = 4,
                     int64_t min_tiles = kMinChunkTiles) {
  Geometry g{N, C, O, H, W, ph, pw, H + 2 * ph - 2, W + 2 * pw - 2, 0, 0, 0, 0};
  g.th = (g.oh + 1) / 2, g.tw = (g.ow + 1) / 2;
  const int64_t per_tile = kPositions * (C + O) * elem_size;
  // ... but at least kMinChunkTiles: each chunk streams all of U (16 O C) through its GEMMs, which
  // only pays when the GEMMs are wide (for many channels U itself outgrows L2).
  const int64_t tiles = std::max<int64_t>(min_tiles, target_bytes / per_tile);
  g.rows_per_chunk = std::clamp<int64_t>(tiles / g.tw, 1, std::max<int64_t>(1, g.tile_rows()));  // N = 0: no chunks
  g.chunks = (g.tile_rows() + g.rows_per_chunk - 1) / g.rows_per_chunk;
  return g;
}

// How many threads take chunks (and so how many per-thread scratch slots and weight-gradient
// partial sums, 16 O C elements each, are needed): all of them, except for wide layers cut into
// few chunks (ResNet's 256- and 512-channel stages), whose chunks run one after another with each
// GEMM on the whole pool: GEMMs that size use both threads well, and at 512 x 512 channels a
// backward pass then holds one 16 MiB partial sum and one 8 MiB slot instead of two of each.
inline bool wide_layer(const Geometry& g, int slots) {
  return g.weight_elems() >= (int64_t(1) << 20) && g.chunks <= 2 * int64_t(slots);
}
inline int chunk_slots(const Geometry& g, int slots) { return wide_layer(g, slots) ? 1 : slots; }

// Runs f(chunk, slot) for chunks first, first + step, ... on the thread pool (static schedule, so
// which thread, i.e. which slot, takes which chunk does not depend on timing); with `serial`, on
// this thread (slot 0), leaving the pool to the GEMMs inside f.
template <class F>
void for_chunks(int64_t chunks, int64_t first, int64_t step, F f, bool serial = false) {
  const int64_t count = chunks > first ? (chunks - first + step - 1) / step : 0;
  const int threads = get_num_threads();
  if (!serial && count > 1 && threads > 1 && !omp_in_parallel()) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t i = 0; i < count; ++i) f(first + i * step, omp_get_thread_num());
  } else {
    for (int64_t i = 0; i < count; ++i) f(first + i * step, 0);
  }
}

// ---------------------------------------------------------------- transforms

// Weights are transformed kBlock (o, c) pairs at a time: the block's 9 taps are gathered into 9
// rows first, so the transform vectorises across the block and each of the 16 planes (O C apart, a
// power of two for usual channel counts) is written in whole cache lines, not one element at a time.
constexpr int64_t kBlock = 64;

// U_ξ[o][c] = (G w[o][c] G^T)_ξ, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]; with `transposed`
// each plane is stored (C, O) instead: U_ξ^T, what the input gradient's GEMM reads.
template <class T>
void transform_weights(const T* w, int64_t O, int64_t C, T* U, bool transposed = false) {
  const int64_t OC = O * C;
  for (int64_t b0 = 0; b0 < OC; b0 += kBlock) {
    const int64_t nb = std::min(kBlock, OC - b0);
    T k[9][kBlock];
    for (int64_t i = 0; i < nb; ++i) {
      const int64_t at = b0 + i, oc = transposed ? (at % O) * C + at / O : at;  // at = c O + o when transposed
      for (int j = 0; j < 9; ++j) k[j][i] = w[oc * 9 + j];
    }
#pragma omp simd
    for (int64_t i = 0; i < nb; ++i) {
      T r[4][3];  // G k: rows of the kernel combined
      for (int j = 0; j < 3; ++j) {
        r[0][j] = k[j][i];
        r[1][j] = T(0.5) * (k[j][i] + k[3 + j][i] + k[6 + j][i]);
        r[2][j] = T(0.5) * (k[j][i] - k[3 + j][i] + k[6 + j][i]);
        r[3][j] = k[6 + j][i];
      }
      T* u = U + b0 + i;
      for (int a = 0; a < 4; ++a) {
        u[(a * 4 + 0) * OC] = r[a][0];
        u[(a * 4 + 1) * OC] = T(0.5) * (r[a][0] + r[a][1] + r[a][2]);
        u[(a * 4 + 2) * OC] = T(0.5) * (r[a][0] - r[a][1] + r[a][2]);
        u[(a * 4 + 3) * OC] = r[a][2];
      }
    }
  }
}

// dw[o][c] = G^T dU[o][c] G (the adjoint of transform_weights), dU summed over `parts` partial sums
// (in part order), blocked like transform_weights.
template <class T>
void weight_gradient(const T* dU, int64_t parts, int64_t O, int64_t C, T* dw) {
  const int64_t OC = O * C;
  for (int64_t b0 = 0; b0 < OC; b0 += kBlock) {
    const int64_t nb = std::min(kBlock, OC - b0);
    T k[9][kBlock];
#pragma omp simd
    for (int64_t i = 0; i < nb; ++i) {
      T x[4][4];
      for (int xi = 0; xi < 16; ++xi) {
        T acc = dU[xi * OC + b0 + i];
        for (int64_t p = 1; p < parts; ++p) acc += dU[(p * kPositions + xi) * OC + b0 + i];
        x[xi / 4][xi % 4] = acc;
      }
      T r[3][4];  // G^T x
      for (int b = 0; b < 4; ++b) {
        r[0][b] = x[0][b] + T(0.5) * (x[1][b] + x[2][b]);
        r[1][b] = T(0.5) * (x[1][b] - x[2][b]);
        r[2][b] = T(0.5) * (x[1][b] + x[2][b]) + x[3][b];
      }
      for (int j = 0; j < 3; ++j) {
        k[j * 3 + 0][i] = r[j][0] + T(0.5) * (r[j][1] + r[j][2]);
        k[j * 3 + 1][i] = T(0.5) * (r[j][1] - r[j][2]);
        k[j * 3 + 2][i] = T(0.5) * (r[j][1] + r[j][2]) + r[j][3];
      }
    }
    for (int64_t i = 0; i < nb; ++i)
      for (int j = 0; j < 9; ++j) dw[(b0 + i) * 9 + j] = k[j][i];
  }
}

// Row y of a (H, W) plane as a line of n elements shifted right by `shift`: line[k] = row[k - shift],
// zero outside the plane. The row itself when it needs no padding, else a copy in buf.
template <class T>
const T* padded_line(const T* plane, int64_t H, int64_t W, int64_t y, int64_t shift, int64_t n, T* buf,
                     const T* zeros) {
  if (y < 0 || y >= H) return zeros;
  const T* row = plane + y * W;
  if (shift == 0 && n <= W) return row;
  const int64_t lo = std::min(n, shift), hi = std::clamp(W + shift, lo, n);
  std::fill(buf, buf + lo, T(0));
  std::copy(row + (lo - shift), row + (hi - shift), buf + lo);
  std::fill(buf + hi, buf + n, T(0));
  return buf;
}

// row[k - shift] += line[k] for k < n, dropping what falls outside [0, W): padded_line's adjoint.
template <class T>
void add_line(const T* line, int64_t n, int64_t shift, T* row, int64_t W) {
  const int64_t lo = std::min(n, shift), hi = std::clamp(W + shift, lo, n);
  for (int64_t k = lo; k < hi; ++k) row[k - shift] += line[k];
}

// V = B^T d B for the tw tiles of one tile row of one channel, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0;
// 0 1 0 -1]: tile t reads columns 2t .. 2t + 3 of the four padded input lines; V_ξ[t] at V + ξ vs + t.
template <class T>
void input_tile_row(const T* r0, const T* r1, const T* r2, const T* r3, int64_t tw, T* V, int64_t vs) {
#pragma omp simd
  for (int64_t t = 0; t < tw; ++t) {
    // d B per input line: (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
    const int64_t k = 2 * t;
    const T a0 = r0[k] - r0[k + 2], a1 = r0[k + 1] + r0[k + 2], a2 = r0[k + 2] - r0[k + 1], a3 = r0[k + 1] - r0[k + 3];
    const T b0 = r1[k] - r1[k + 2], b1 = r1[k + 1] + r1[k + 2], b2 = r1[k + 2] - r1[k + 1], b3 = r1[k + 1] - r1[k + 3];
    const T c0 = r2[k] - r2[k + 2], c1 = r2[k + 1] + r2[k + 2], c2 = r2[k + 2] - r2[k + 1], c3 = r2[k + 1] - r2[k + 3];
    const T d0 = r3[k] - r3[k + 2], d1 = r3[k + 1] + r3[k + 2], d2 = r3[k + 2] - r3[k + 1], d3 = r3[k + 1] - r3[k + 3];
    // then B^T across the lines: (l0 - l2, l1 + l2, l2 - l1, l1 - l3)
    V[0 * vs + t] = a0 - c0, V[1 * vs + t] = a1 - c1, V[2 * vs + t] = a2 - c2, V[3 * vs + t] = a3 - c3;
    V[4 * vs + t] = b0 + c0, V[5 * vs + t] = b1 + c1, V[6 * vs + t] = b2 + c2, V[7 * vs + t] = b3 + c3;
    V[8 * vs + t] = c0 - b0, V[9 * vs + t] = c1 - b1, V[10 * vs + t] = c2 - b2, V[11 * vs + t] = c3 - b3;
    V[12 * vs + t] = b0 - d0, V[13 * vs + t] = b1 - d1, V[14 * vs + t] = b2 - d2, V[15 * vs + t] = b3 - d3;
  }
}

// y = A^T M A + bias for the tw tiles of one tile row of one output channel, A^T = [1 1 1 0;
// 0 1 -1 -1]: M_ξ[t] at M + ξ ms + t; the two output lines go to row0 / row1 (2 tw each).
template <class T>
void output_tile_row(const T* M, int64_t ms, int64_t tw, T bias, T* row0, T* row1) {
#pragma omp simd
  for (int64_t t = 0; t < tw; ++t) {
    T m[16];
    for (int xi = 0; xi < 16; ++xi) m[xi] = M[xi * ms + t];
    T s0[4], s1[4];
    for (int b = 0; b < 4; ++b) {
      s0[b] = m[b] + m[4 + b] + m[8 + b];
      s1[b] = m[4 + b] - m[8 + b] - m[12 + b];
    }
    row0[2 * t] = s0[0] + s0[1] + s0[2] + bias;
    row0[2 * t + 1] = s0[1] - s0[2] - s0[3] + bias;
    row1[2 * t] = s1[0] + s1[1] + s1[2] + bias;
    row1[2 * t + 1] = s1[1] - s1[2] - s1[3] + bias;
  }
}

// Z = A g A^T for one tile row of one channel of dL/dy, A = [1 0; 1 1; 1 -1; 0 -1]: tile t reads
// columns 2t, 2t + 1 of the two gradient lines g0, g1 (zero past the plane); Z_ξ[t] at Z + ξ zs + t.
template <class T>
void gradient_tile_row(const T* g0, const T* g1, int64_t tw, T* Z, int64_t zs) {
#pragma omp simd
  for (int64_t t = 0; t < tw; ++t) {
    const T p = g0[2 * t], q = g0[2 * t + 1], u = g1[2 * t], v = g1[2 * t + 1];
    // A g: lines (g0, g0 + g1, g0 - g1, -g1), each a (left, right) column pair
    const T h[4][2] = {{p, q}, {p + u, q + v}, {p - u, q - v}, {-u, -v}};
    for (int a = 0; a < 4; ++a) {
      Z[(a * 4 + 0) * zs + t] = h[a][0];
      Z[(a * 4 + 1) * zs + t] = h[a][0] + h[a][1];
      Z[(a * 4 + 2) * zs + t] = h[a][0] - h[a][1];
      Z[(a * 4 + 3) * zs + t] = -h[a][1];
    }
  }
}

// dd = B dV B^T for the tw tiles of one tile row of one input channel (dV_ξ[t] at dV + ξ vs + t),
// overlap-added along the row into four lines of 2 tw + 2 (lines + i ls): tile t covers columns
// 2t .. 2t + 3, so its columns 2, 3 go to `spill` first and are added after the loop.
template <class T>
void input_gradient_tile_row(const T* dV, int64_t vs, int64_t tw, T* lines, T* spill, int64_t ls) {
  for (int i = 0; i < 4; ++i) {
    lines[i * ls + 2 * tw] = lines[i * ls + 2 * tw + 1] = T(0);
    spill[i * ls] = spill[i * ls + 1] = T(0);
  }
#pragma omp simd
  for (int64_t t = 0; t < tw; ++t) {
    T v[16];
    for (int xi = 0; xi < 16; ++xi) v[xi] = dV[xi * vs + t];
    T r[4][4];  // B dV: lines (v0, v1 - v2 + v3, v1 + v2 - v0, -v3)
    for (int b = 0; b < 4; ++b) {
      r[0][b] = v[b];
      r[1][b] = v[4 + b] - v[8 + b] + v[12 + b];
      r[2][b] = v[4 + b] + v[8 + b] - v[b];
      r[3][b] = -v[12 + b];
    }
    for (int i = 0; i < 4; ++i) {  // then B^T on the columns, the same combination
      lines[i * ls + 2 * t] = r[i][0];
      lines[i * ls + 2 * t + 1] = r[i][1] - r[i][2] + r[i][3];
      spill[i * ls + 2 * t + 2] = r[i][1] + r[i][2] - r[i][0];
      spill[i * ls + 2 * t + 3] = -r[i][3];
    }
  }
  for (int i = 0; i < 4; ++i)
#pragma omp simd
    for (int64_t k = 0; k < 2 * tw + 2; ++k) lines[i * ls + k] += spill[i * ls + k];
}

// Four line buffers holding rows of one plane, row y in slot y mod 4: the patches of consecutive
// tile rows overlap by two input rows, and those are then made once, not twice.
template <class T>
class LineRing {
 public:
  LineRing(T* buffers, int64_t line_elems) : buffers_(buffers), line_elems_(line_elems) {}
  // Row y of plane `plane`: from the ring, or made by make(buffer) (which returns where it is).
  template <class Make>
  const T* get(int64_t plane, int64_t y, Make make) {
    if (plane != plane_) {
      plane_ = plane;
      for (int64_t& row : rows_) row = INT64_MIN;
    }
    const int64_t slot = (y % 4 + 4) % 4;
    if (rows_[slot] != y) {
      lines_[slot] = make(buffers_ + slot * line_elems_);
      rows_[slot] = y;
    }
    return lines_[slot];
  }

 private:
  T* buffers_;
  int64_t line_elems_;
  int64_t plane_ = -1;
  int64_t rows_[4] = {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN};
  const T* lines_[4] = {};
};

// The weight gradient's GEMM wants V_ξ as (tiles, C) (BLAS runs Z V^T through its packing path at
// about half the speed of a plain product), so for it the input is transformed channels-last, from
// input rows laid out as (columns, C): row y of image n, shifted right by pw, zero outside the plane.
template <class T>
const T* channels_last_line(const Geometry& g, const T* x, int64_t n, int64_t y, T* line) {
  const int64_t ls = g.line();
  if (y < 0 || y >= g.H) {
    std::fill(line, line + ls * g.C, T(0));
    return line;
  }
  const int64_t lo = std::min(ls, g.pw), hi = std::clamp(g.W + g.pw, lo, ls);
  std::fill(line, line + lo * g.C, T(0));
  std::fill(line + hi * g.C, line + ls * g.C, T(0));
  for (int64_t c = 0; c < g.C; ++c) {
    const T* row = x + ((n * g.C + c) * g.H + y) * g.W;
    for (int64_t k = lo; k < hi; ++k) line[k * g.C + c] = row[k - g.pw];
  }
  return line;
}

// V = B^T d B as input_tile_row computes it, for tile t of a tile row from channels-last lines, all
// channels at once: V_ξ[c] goes to out + ξ vs + c.
template <class T>
void input_tile_channels_last(const T* l0, const T* l1, const T* l2, const T* l3, int64_t t, int64_t C, T* out,
                              int64_t vs) {
  const int64_t k = 2 * t * C;  // column 2t of each line
  const T *r0 = l0 + k, *r1 = l1 + k, *r2 = l2 + k, *r3 = l3 + k;
  const int64_t c1 = C, c2 = 2 * C, c3 = 3 * C;
#pragma omp simd
  for (int64_t c = 0; c < C; ++c) {
    const T a0 = r0[c] - r0[c2 + c], a1 = r0[c1 + c] + r0[c2 + c], a2 = r0[c2 + c] - r0[c1 + c], a3 = r0[c1 + c] - r0[c3 + c];
    const T b0 = r1[c] - r1[c2 + c], b1 = r1[c1 + c] + r1[c2 + c], b2 = r1[c2 + c] - r1[c1 + c], b3 = r1[c1 + c] - r1[c3 + c];
    const T e0 = r2[c] - r2[c2 + c], e1 = r2[c1 + c] + r2[c2 + c], e2 = r2[c2 + c] - r2[c1 + c], e3 = r2[c1 + c] - r2[c3 + c];
    const T d0 = r3[c] - r3[c2 + c], d1 = r3[c1 + c] + r3[c2 + c], d2 = r3[c2 + c] - r3[c1 + c], d3 = r3[c1 + c] - r3[c3 + c];
    out[0 * vs + c] = a0 - e0, out[1 * vs + c] = a1 - e1, out[2 * vs + c] = a2 - e2, out[3 * vs + c] = a3 - e3;
    out[4 * vs + c] = b0 + e0, out[5 * vs + c] = b1 + e1, out[6 * vs + c] = b2 + e2, out[7 * vs + c] = b3 + e3;
    out[8 * vs + c] = e0 - b0, out[9 * vs + c] = e1 - b1, out[10 * vs + c] = e2 - b2, out[11 * vs + c] = e3 - b3;
    out[12 * vs + c] = b0 - d0, out[13 * vs + c] = b1 - d1, out[14 * vs + c] = b2 - d2, out[15 * vs + c] = b3 - d3;
  }
}

// ---------------------------------------------------------------- drivers

// Scratch: scratch_elems(chunk_slots(g, get_num_threads())).
template <class T>
void forward(const Geometry& g, const T* x, const T* w, const T* bias, T* y, T* scratch) {
  T* U = scratch;
  transform_weights(w, g.O, g.C, U);
  const int64_t ls = g.line();
  const bool serial = chunk_slots(g, get_num_threads()) == 1;
  for_chunks(g.chunks, 0, 1, [&](int64_t k, int slot) {
    T* V = scratch + g.weight_elems() + int64_t(slot) * g.slot_elems();
    T* M = V + kPositions * (g.C * g.chunk_tiles() + kPlanePad);
    T* zeros = M + kPositions * (g.O * g.chunk_tiles() + kPlanePad);
    T* buf = zeros + ls;  // four lines
    std::fill(zeros, zeros + ls, T(0));
    LineRing<T> lines(buf, ls);
    const int64_t r0 = k * g.rows_per_chunk, r1 = std::min(r0 + g.rows_per_chunk, g.tile_rows());
    const int64_t tiles = (r1 - r0) * g.tw;
    const int64_t vs = g.C * tiles + kPlanePad, ms = g.O * tiles + kPlanePad;  // plane strides
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / g.th, y0 = 2 * (r % g.th) - g.ph;
        const T* plane = x + (n * g.C + c) * g.H * g.W;
        const T* in[4];
        for (int i = 0; i < 4; ++i) in[i] = lines.get(n * g.C + c, y0 + i, [&](T* line) {
          return padded_line(plane, g.H, g.W, y0 + i, g.pw, ls, line, zeros);
        });
        input_tile_row(in[0], in[1], in[2], in[3], g.tw, V + c * tiles + (r - r0) * g.tw, vs);
      }
    for (int64_t xi = 0; xi < kPositions; ++xi)  // M_ξ (O, tiles) = U_ξ (O, C) V_ξ (C, tiles)
      gemm<T>(false, false, g.O, tiles, g.C, T(1), U + xi * g.O * g.C, g.C, V + xi * vs, tiles, T(0), M + xi * ms,
              tiles);
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / g.th, oy = 2 * (r % g.th);
        T* plane = y + (n * g.O + o) * g.oh * g.ow;
        const bool direct = g.ow == 2 * g.tw && oy + 1 < g.oh;  // both lines land whole in the plane
        T* row0 = direct ? plane + oy * g.ow : buf;
        T* row1 = direct ? row0 + g.ow : buf + ls;
        output_tile_row(M + o * tiles + (r - r0) * g.tw, ms, g.tw, bias ? bias[o] : T(0), row0, row1);
        if (!direct) {
          std::copy(row0, row0 + g.ow, plane + oy * g.ow);
          if (oy + 1 < g.oh) std::copy(row1, row1 + g.ow, plane + (oy + 1) * g.ow);
        }
      }
  }, serial);
}

// Whether a backward computing both gradients of a wide layer (its chunks run in turn) makes two
// passes, the input gradient and then the weight gradient, so that the latter's one
// partial sum reuses the 16 O C elements of U^T: the transform of dY is made twice, and a wide
// layer's backward holds one weight-sized buffer instead of two (16 MiB at 512 x 512 channels).
inline bool two_passes(const Geometry& g, int slots, bool gx, bool gw) { return gx && gw && wide_layer(g, slots); }

// The elements `backward` needs in dU_parts (none when it keeps the partial sum in scratch).
inline int64_t weight_partials_elems(const Geometry& g, int slots, bool gx, bool gw) {
  return gw && !two_passes(g, slots, gx, gw) ? chunk_slots(g, slots) * g.weight_elems() : 0;
}

// gx (if not null) must be zero-filled; gw (if not null) is overwritten. Scratch as forward's;
// dU_parts: weight_partials_elems(...) elements.
template <class T>
void backward(const Geometry& g, const T* x, const T* w, const T* gy, T* gx, T* gw, T* scratch, T* dU_parts,
              int slots) {
  if (two_passes(g, slots, gx, gw)) {
    backward<T>(g, nullptr, w, gy, gx, nullptr, scratch, nullptr, slots);
    backward<T>(g, x, nullptr, gy, nullptr, gw, scratch, /*dU_parts: where U^T was*/ scratch, slots);
    return;
  }
  T* Ut = scratch;  // U_ξ^T (C, O): dL/dV = Ut Z is then a plain GEMM (BLAS's transposed-A path is slower)
  if (gx) transform_weights(w, g.O, g.C, Ut, true);
  const int64_t parts = chunk_slots(g, slots);
  const bool serial = parts == 1;
  if (gw) std::fill(dU_parts, dU_parts + parts * g.weight_elems(), T(0));
  const int64_t ls = g.line();
  auto chunk = [&](int64_t k, int slot) {
    T* V = scratch + g.weight_elems() + int64_t(slot) * g.slot_elems();  // V, then dL/dV
    T* Z = V + kPositions * (g.C * g.chunk_tiles() + kPlanePad);
    T* zeros = Z + kPositions * (g.O * g.chunk_tiles() + kPlanePad);
    T* buf = zeros + ls;  // eight lines, then the channels-last ones
    std::fill(zeros, zeros + ls, T(0));
    const int64_t r0 = k * g.rows_per_chunk, r1 = std::min(r0 + g.rows_per_chunk, g.tile_rows());
    const int64_t tiles = (r1 - r0) * g.tw;
    const int64_t vs = g.C * tiles + kPlanePad, zs = g.O * tiles + kPlanePad;  // plane strides
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / g.th, oy = 2 * (r % g.th);
        const T* plane = gy + (n * g.O + o) * g.oh * g.ow;
        const T* g0 = padded_line(plane, g.oh, g.ow, oy, 0, 2 * g.tw, buf, zeros);
        const T* g1 = padded_line(plane, g.oh, g.ow, oy + 1, 0, 2 * g.tw, buf + ls, zeros);
        gradient_tile_row(g0, g1, g.tw, Z + o * tiles + (r - r0) * g.tw, zs);
      }
    if (gw) {
      LineRing<T> lines(buf + 8 * ls, ls * g.C);
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / g.th, y0 = 2 * (r % g.th) - g.ph;
        const T* l[4];
        for (int i = 0; i < 4; ++i)
          l[i] = lines.get(n, y0 + i, [&](T* line) { return channels_last_line(g, x, n, y0 + i, line); });
        for (int64_t t = 0; t < g.tw; ++t)  // V_ξ as (tiles, C): row (r - r0) tw + t
          input_tile_channels_last(l[0], l[1], l[2], l[3], t, g.C, V + ((r - r0) * g.tw + t) * g.C, vs);
      }
      T* dU = dU_parts + int64_t(slot) * g.weight_elems();
      for (int64_t xi = 0; xi < kPositions; ++xi)  // dU_ξ (O, C) += Z_ξ (O, tiles) V_ξ (tiles, C)
        gemm<T>(false, false, g.O, g.C, tiles, T(1), Z + xi * zs, tiles, V + xi * vs, g.C, T(1), dU + xi * g.O * g.C,
                g.C);
    }
    if (gx) {
      for (int64_t xi = 0; xi < kPositions; ++xi)  // dV_ξ (C, tiles) = U_ξ^T (C, O) Z_ξ (O, tiles)
        gemm<T>(false, false, g.C, tiles, g.O, T(1), Ut + xi * g.O * g.C, g.O, Z + xi * zs, tiles, T(0), V + xi * vs,
                tiles);
      for (int64_t c = 0; c < g.C; ++c)
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t n = r / g.th, y0 = 2 * (r % g.th) - g.ph;
          T* plane = gx + (n * g.C + c) * g.H * g.W;
          input_gradient_tile_row(V + c * tiles + (r - r0) * g.tw, vs, g.tw, buf, buf + 4 * ls, ls);
          for (int i = 0; i < 4; ++i)
            if (y0 + i >= 0 && y0 + i < g.H) add_line(buf + i * ls, ls, g.pw, plane + (y0 + i) * g.W, g.W);
        }
    }
  };
  if (gx && !serial) {  // chunks k and k + 2 never share an input row; k and k + 1 may
    for_chunks(g.chunks, 0, 2, chunk);
    for_chunks(g.chunks, 1, 2, chunk);
  } else {
    for_chunks(g.chunks, 0, 1, chunk, serial);
  }
  if (gw) weight_gradient(dU_parts, parts, g.O, g.C, gw);
}

}  // namespace cajal::kernels::cpu::winograd
