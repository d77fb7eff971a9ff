#pragma once
// How long computations report progress and learn that they should stop.
// Plugins hand their job's implementation down; tests use NullProgress.
#include <exception>
#include <string>

namespace nl::analysis {

class Cancelled : public std::exception {
 public:
  const char* what() const noexcept override { return "cancelled"; }
};

class Progress {
 public:
  virtual ~Progress() = default;
  virtual void update(double fraction, const std::string& message) = 0;
  virtual bool cancelRequested() const = 0;
  // Call often (at least every ~100 ms of work): throws Cancelled on request.
  void checkCancel() const {
    if (cancelRequested()) throw Cancelled();
  }
};

class NullProgress final : public Progress {
 public:
  void update(double, const std::string&) override {}
  bool cancelRequested() const override { return false; }
};

}  // namespace nl::analysis
