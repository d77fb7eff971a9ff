#pragma once
// The one error type every reader and writer throws: it names the file and says
// what is wrong with it in words a user can act on.
#include <filesystem>
#include <stdexcept>
#include <string>

namespace nl::io {

class FileError : public std::runtime_error {
 public:
  FileError(std::filesystem::path path, std::string reason)
      : std::runtime_error(path.string() + ": " + reason),
        path_(std::move(path)),
        reason_(std::move(reason)) {}

  const std::filesystem::path& path() const noexcept { return path_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::filesystem::path path_;
  std::string reason_;
};

}  // namespace nl::io
