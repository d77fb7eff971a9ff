#include "io/AtomicWrite.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace nl::io {

namespace {
void syncPath(const std::filesystem::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Writes through `write(temporary)` beside `target`, syncs, renames over it.
void replaceAtomically(const std::filesystem::path& target,
                       const std::function<void(const std::filesystem::path&)>& write,
                       const std::function<void()>& beforeRename) {
  const auto directory =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec))
    throw FileError(target, "folder '" + directory.string() + "' does not exist");
  const auto temporary =
      directory / ("." + target.filename().string() + ".saving-" + std::to_string(::getpid()));
  try {
    write(temporary);
    syncPath(temporary, false);
    if (beforeRename) beforeRename();
  } catch (...) {
    std::filesystem::remove(temporary, ec);
    throw;
  }
  if (std::rename(temporary.c_str(), target.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::filesystem::remove(temporary, ec);
    throw FileError(target, "cannot replace the file: " + reason);
  }
  syncPath(directory, true);
}
}  // namespace

void writeHdf5Atomically(const std::filesystem::path& target,
                         const std::function<void(const h5::Group& root)>& write,
                         const std::function<void()>& beforeRename) {
  replaceAtomically(
      target,
      [&](const std::filesystem::path& temporary) {
        auto file = h5::File::create(temporary);
        write(file.root());
        file.close();
      },
      beforeRename);
}

void writeFileAtomically(const std::filesystem::path& target, const std::string& bytes) {
  replaceAtomically(target,
                    [&](const std::filesystem::path& temporary) {
                      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
                      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
                      out.close();
                      if (!out) throw FileError(target, "cannot write " + temporary.string());
                    },
                    {});
}

}  // namespace nl::io
