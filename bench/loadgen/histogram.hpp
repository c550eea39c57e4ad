#pragma once
// Latency samples (microseconds) with exact percentiles: samples are kept and sorted once.
#include <cstdint>
#include <string>
#include <vector>

namespace mi::bench {

class Histogram {
 public:
  void add_ns(std::int64_t ns) { samples_.push_back(ns < 0 ? 0 : static_cast<std::uint64_t>(ns / 1000)); }
  void merge(const Histogram& other);
  std::size_t count() const { return samples_.size(); }
  // {"count":N,"p50_ms":..,"p90_ms":..,"p99_ms":..,"p999_ms":..,"max_ms":..,"mean_ms":..}
  std::string json();

 private:
  double percentile_ms(double p);
  std::vector<std::uint64_t> samples_;
  bool sorted_ = false;
};

}  // namespace mi::bench
