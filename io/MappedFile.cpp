#include "io/MappedFile.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>

#include "io/Error.h"

namespace nl::io {

namespace {

struct Mapping {
  void* base = MAP_FAILED;
  std::size_t length = 0;
  ~Mapping() {
    if (base != MAP_FAILED) munmap(base, length);
  }
};

}  // namespace

MappedRegion mapFileRegion(const std::filesystem::path& path, std::size_t offset, std::size_t bytes,
                           const char* what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw FileError(path,
                    std::string("cannot be opened for reading (") + std::strerror(errno) + ")");
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    throw FileError(path, std::string("cannot be examined (") + std::strerror(error) + ")");
  }
  const auto fileBytes = static_cast<std::size_t>(info.st_size);
  if (offset > fileBytes || bytes > fileBytes - offset) {
    ::close(fd);
    throw FileError(path, std::string(what) + " is truncated: the header announces " +
                              std::to_string(bytes) + " bytes at offset " + std::to_string(offset) +
                              " but the file has only " + std::to_string(fileBytes) + " bytes (" +
                              std::to_string(fileBytes > offset ? fileBytes - offset : 0) +
                              " of them after the offset)");
  }
  MappedRegion region;
  region.size = bytes;
  if (bytes == 0) {
    ::close(fd);
    static const unsigned char nothing = 0;
    region.data = &nothing;
    return region;
  }
  // mmap wants a page-aligned file offset: map from the page start.
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t start = offset / page * page;
  auto mapping = std::make_shared<Mapping>();
  mapping->length = bytes + (offset - start);
  mapping->base =
      ::mmap(nullptr, mapping->length, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(start));
  const int error = errno;
  ::close(fd);  // the mapping keeps the file referenced
  if (mapping->base == MAP_FAILED)
    throw FileError(path, std::string("cannot be memory-mapped (") + std::strerror(error) + ")");
  region.data = static_cast<const unsigned char*>(mapping->base) + (offset - start);
  region.owner = std::move(mapping);
  return region;
}

void prefetchInBackground(const MappedRegion& region) {
  auto mapping = std::static_pointer_cast<const Mapping>(region.owner);
  if (!mapping || mapping->length == 0) return;
  try {
    std::thread([mapping] {
      // Holding `mapping` keeps it mapped until the advice is given.
      ::madvise(mapping->base, mapping->length, MADV_WILLNEED);
    }).detach();
  } catch (const std::system_error&) {
    // No thread to spare: reads simply fault pages in on demand.
  }
}

std::vector<unsigned char> readWithoutReadahead(const std::filesystem::path& path,
                                                std::uint64_t offset, std::size_t bytes) {
  std::vector<unsigned char> out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw FileError(path, std::string("cannot be read (") + std::strerror(errno) + ")");
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
  out.resize(bytes);
  std::size_t got = 0;
  while (got < bytes) {
    const ssize_t n = ::pread(fd, out.data() + got, bytes - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

}  // namespace nl::io
