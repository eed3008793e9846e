#pragma once
// The project's own deterministic random numbers: the same seed gives the same sequence on every
// machine, compiler and standard library (std:: distributions are implementation-defined and are
// never used for splits or augmentation).
//
// Generator: SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014; constants as in Vigna's public-domain splitmix64.c):
//   state += 0x9E3779B97F4A7C15
//   z = state
//   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//   return z ^ (z >> 31)
//
// below(n): a uniform integer in [0, n) by rejection: draw r until r >= (2^64 - n) mod n, return
// r mod n (no modulo bias).
// uniform(): (next() >> 11) * 2^-53, a double in [0, 1).
//
// Sampling k of n without replacement (pick): a partial Fisher-Yates shuffle of the positions
// 0..n-1: for i = 0..k-1: j = i + below(n - i); swap(a[i], a[j]); the first k are the sample,
// returned in the order drawn.
//
// Streams: derive(seed, tag) = SplitMix64 output of (seed ^ fnv1a64(tag)) gives independent
// seeds for named purposes (e.g. "fewshot/train/class/3") so that adding a class or a split
// never shifts another's draws.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pd::data {

inline std::uint64_t fnv1a64(const void* data, std::size_t n,
                             std::uint64_t h = 0xCBF29CE484222325ull) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001B3ull;
  }
  return h;
}
inline std::uint64_t fnv1a64(const std::string& s) { return fnv1a64(s.data(), s.size()); }

std::string hex64(std::uint64_t v);

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n must be > 0.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      std::uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // k distinct positions of 0..n-1 (k <= n), in draw order (partial Fisher-Yates).
  std::vector<std::size_t> pick(std::size_t n, std::size_t k) {
    std::vector<std::size_t> a(n);
    for (std::size_t i = 0; i < n; ++i) a[i] = i;
    if (k > n) k = n;
    for (std::size_t i = 0; i < k; ++i) {
      std::size_t j = i + static_cast<std::size_t>(below(n - i));
      std::swap(a[i], a[j]);
    }
    a.resize(k);
    return a;
  }
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = 0; i + 1 < v.size(); ++i) {
      std::size_t j = i + static_cast<std::size_t>(below(v.size() - i));
      std::swap(v[i], v[j]);
    }
  }

 private:
  std::uint64_t state_;
};

inline std::uint64_t deriveSeed(std::uint64_t seed, const std::string& tag) {
  return SplitMix64(seed ^ fnv1a64(tag)).next();
}

}  // namespace pd::data
