#include "io/Threads.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

namespace nl::io {

namespace {

std::atomic<int> chosen{0};  // 0: the default

int defaultThreadCount() {
  if (const char* text = std::getenv("NEUROLOUPE_THREADS"); text != nullptr) {
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (end != text && *end == '\0' && value > 0 && value <= 1024) return static_cast<int>(value);
  }
  return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

}  // namespace

int workerThreadCount() {
  const int value = chosen.load();
  if (value > 0) return value;
  static const int fallback = defaultThreadCount();
  return fallback;
}

void setWorkerThreadCount(int n) {
  chosen.store(std::max(0, n));
}

}  // namespace nl::io
