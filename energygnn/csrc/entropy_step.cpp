// Fused CPU kernels for the entropy step (energygnn.entropy), built on first use by
// energygnn.native. Each reads the embeddings once per neighbour list and works on the
// differences x_i - x_j themselves, so no centring and no cancellation is needed.
#include <torch/extension.h>
#include <ATen/Parallel.h>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
// Flush subnormal numbers to zero while a kernel runs (restored after): a weight like
// exp(-90) is subnormal in float32 and makes every product with it ~100x slower. The values
// affected are below 1.2e-38 (float32) or 2.2e-308 (float64) in absolute size.
struct FlushSubnormals {
  unsigned int saved;
  FlushSubnormals() : saved(_mm_getcsr()) { _mm_setcsr(saved | 0x8040); }
  ~FlushSubnormals() { _mm_setcsr(saved); }
};
#else
struct FlushSubnormals {};
#endif

// Neighbour rows are scattered in memory: ask for the row PREFETCH edges ahead while this one is
// being used (measured: ~10 % faster on Cora at width 256, ~30 % on 10^6 random nodes).
constexpr int64_t PREFETCH = 8;

template <typename scalar_t>
inline void prefetch_neighbour(const scalar_t* x, const int64_t* row_pointer, const int64_t* neighbours,
                               int64_t n, int64_t c, int64_t e) {
  if (e + PREFETCH >= row_pointer[n]) return;
  const scalar_t* row = x + neighbours[e + PREFETCH] * c;
#if defined(__GNUC__) || defined(__clang__)
  for (int64_t k = 0; k < c; k += 64 / sizeof(scalar_t)) __builtin_prefetch(row + k);
#endif
}

// out_i = sum_{j in N(i)} |x_i - x_j|^2
template <typename scalar_t>
void squared_differences_kernel(const scalar_t* x, const int64_t* row_pointer, const int64_t* neighbours,
                                int64_t n, int64_t c, scalar_t* out) {
  at::parallel_for(0, n, 64, [&](int64_t begin, int64_t end) {
    FlushSubnormals flush;
    for (int64_t i = begin; i < end; ++i) {
      const scalar_t* xi = x + i * c;
      scalar_t total = 0;
      for (int64_t e = row_pointer[i]; e < row_pointer[i + 1]; ++e) {
        prefetch_neighbour(x, row_pointer, neighbours, n, c, e);
        const scalar_t* xj = x + neighbours[e] * c;
        scalar_t sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int64_t k = 0; k < c; ++k) {
          const scalar_t d = xi[k] - xj[k];
          sum += d * d;
        }
        total += sum;
      }
      out[i] = total;
    }
  });
}

// out_i = [x_i +] scale * sum_{j in N(i)} (w_i + w_j) (x_i - x_j)
template <typename scalar_t>
void pair_step_kernel(const scalar_t* x, const int64_t* row_pointer, const int64_t* neighbours,
                      const scalar_t* weight, scalar_t scale, bool add_input, int64_t n, int64_t c,
                      scalar_t* out) {
  at::parallel_for(0, n, 64, [&](int64_t begin, int64_t end) {
    FlushSubnormals flush;
    for (int64_t i = begin; i < end; ++i) {
      const scalar_t* xi = x + i * c;
      scalar_t* oi = out + i * c;
      for (int64_t k = 0; k < c; ++k) oi[k] = 0;
      for (int64_t e = row_pointer[i]; e < row_pointer[i + 1]; ++e) {
        prefetch_neighbour(x, row_pointer, neighbours, n, c, e);
        const int64_t j = neighbours[e];
        const scalar_t* xj = x + j * c;
        const scalar_t coefficient = scale * (weight[i] + weight[j]);
#pragma omp simd
        for (int64_t k = 0; k < c; ++k) oi[k] += coefficient * (xi[k] - xj[k]);
      }
      if (add_input) {
#pragma omp simd
        for (int64_t k = 0; k < c; ++k) oi[k] += xi[k];
      }
    }
  });
}

static void check_graph(const torch::Tensor& x, const torch::Tensor& row_pointer,
                        const torch::Tensor& neighbours, const char* name) {
  TORCH_CHECK(x.dim() == 2 && x.is_contiguous() && x.device().is_cpu(), name,
              ": x must be a contiguous [n, c] CPU tensor");
  TORCH_CHECK(row_pointer.scalar_type() == torch::kLong && neighbours.scalar_type() == torch::kLong &&
              row_pointer.is_contiguous() && neighbours.is_contiguous() &&
              row_pointer.numel() == x.size(0) + 1, name,
              ": row_pointer [n + 1] and neighbours [m] must be contiguous int64 tensors");
}

torch::Tensor squared_differences(torch::Tensor x, torch::Tensor row_pointer, torch::Tensor neighbours) {
  check_graph(x, row_pointer, neighbours, "squared_differences");
  auto out = torch::empty({x.size(0)}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "squared_differences", [&] {
    squared_differences_kernel<scalar_t>(x.data_ptr<scalar_t>(), row_pointer.data_ptr<int64_t>(),
                                         neighbours.data_ptr<int64_t>(), x.size(0), x.size(1),
                                         out.data_ptr<scalar_t>());
  });
  return out;
}

torch::Tensor pair_step(torch::Tensor x, torch::Tensor row_pointer, torch::Tensor neighbours,
                        torch::Tensor weight, double scale, bool add_input) {
  check_graph(x, row_pointer, neighbours, "pair_step");
  TORCH_CHECK(weight.scalar_type() == x.scalar_type() && weight.is_contiguous() &&
              weight.numel() == x.size(0), "pair_step: weight must be a contiguous [n] tensor of x's dtype");
  auto out = torch::empty_like(x);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "pair_step", [&] {
    pair_step_kernel<scalar_t>(x.data_ptr<scalar_t>(), row_pointer.data_ptr<int64_t>(),
                               neighbours.data_ptr<int64_t>(), weight.data_ptr<scalar_t>(),
                               static_cast<scalar_t>(scale), add_input, x.size(0), x.size(1),
                               out.data_ptr<scalar_t>());
  });
  return out;
}

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("squared_differences", &squared_differences, "sum_j |x_i - x_j|^2 for every node i");
  m.def("pair_step", &pair_step, "[x_i +] scale * sum_j (w_i + w_j)(x_i - x_j) for every node i");
}
