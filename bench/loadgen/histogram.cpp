#include "histogram.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace mi::bench {

void Histogram::merge(const Histogram& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
  sorted_ = false;
}

double Histogram::percentile_ms(double p) {
  if (samples_.empty()) return 0;
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
  auto rank = static_cast<std::size_t>(p * static_cast<double>(samples_.size() - 1) + 0.5);
  return static_cast<double>(samples_[std::min(rank, samples_.size() - 1)]) / 1000.0;
}

std::string Histogram::json() {
  double mean = 0;
  if (!samples_.empty()) {
    mean = static_cast<double>(std::accumulate(samples_.begin(), samples_.end(), std::uint64_t{0})) /
           static_cast<double>(samples_.size()) / 1000.0;
  }
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "{\"count\":%zu,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
                "\"mean_ms\":%.3f}",
                samples_.size(), percentile_ms(0.5), percentile_ms(0.9), percentile_ms(0.99), percentile_ms(0.999),
                percentile_ms(1.0), mean);
  return buf;
}

}  // namespace mi::bench
