#pragma once
// A minimal, single-threaded observer list: models in io/ emit, views listen.
// Kept deliberately small (no Qt here) so models are testable without a GUI.
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace nl::io {

template <typename... Args>
class Signal {
 public:
  using Slot = std::function<void(Args...)>;
  using ConnectionId = std::uint64_t;

  ConnectionId connect(Slot slot) {
    const ConnectionId id = ++lastId_;
    slots_.emplace_back(id, std::move(slot));
    return id;
  }
  void disconnect(ConnectionId id) {
    std::erase_if(slots_, [id](const auto& entry) { return entry.first == id; });
  }
  void notify(Args... args) const {
    // Copy so a slot may disconnect itself (or others) while we iterate.
    const auto snapshot = slots_;
    for (const auto& [id, slot] : snapshot) slot(args...);
  }
  std::size_t size() const { return slots_.size(); }

 private:
  std::vector<std::pair<ConnectionId, Slot>> slots_;
  ConnectionId lastId_ = 0;
};

}  // namespace nl::io
