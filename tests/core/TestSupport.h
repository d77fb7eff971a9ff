#pragma once
// Helpers shared by the core tests: fixture paths, temp folders, .npy writers.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace nl::test {

inline std::filesystem::path fixtures() {
  return NEUROLOUPE_FIXTURES_DIR;
}

// Skips the calling test with a clear message when ../shared/fixtures is absent.
#define NL_REQUIRE_FIXTURE(relative)                                                         \
  do {                                                                                       \
    if (!std::filesystem::exists(nl::test::fixtures() / (relative)))                         \
      GTEST_SKIP() << "fixture " << (nl::test::fixtures() / (relative)).string()             \
                   << " is absent (../shared/fixtures not checked out next to the project)"; \
  } while (0)

class TempDir {
 public:
  TempDir() {
    std::random_device device;
    path_ = std::filesystem::temp_directory_path() /
            ("nl-test-" + std::to_string(device()) + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void writeBytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A .npy file written byte by byte: format `major` (1–3), any descr, raw data.
inline std::string npyBytes(int major, const std::string& dict, const std::string& data) {
  std::string header = dict;
  const std::size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  if (major == 1) {
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
  } else {
    const auto n = static_cast<std::uint32_t>(header.size());
    for (int i = 0; i < 4; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  }
  return out + header + data;
}

template <typename T>
std::string rawBytes(const std::vector<T>& values, bool bigEndian = false) {
  std::string out(values.size() * sizeof(T), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    char buffer[sizeof(T)];
    std::memcpy(buffer, &values[i], sizeof(T));
    if (bigEndian == (std::endian::native == std::endian::little))
      std::reverse(buffer, buffer + sizeof(T));
    std::memcpy(out.data() + i * sizeof(T), buffer, sizeof(T));
  }
  return out;
}

inline std::string readBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

inline std::string shellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
inline std::string shellQuote(const std::filesystem::path& path) {
  return shellQuote(path.string());
}

struct CliRun {
  int exitCode = -1;  // -1 when killed by a signal
  std::string out, err;
};

// Runs a command-line binary (neuroloupe-cli) with shell-quoted `arguments`
// as a user would. `pluginPath` nullopt unsets NEUROLOUPE_PLUGIN_PATH (the
// build's own plugins are found next to the binary); otherwise sets it.
inline CliRun runBinary(const std::string& binary, const std::string& arguments,
                        const std::optional<std::string>& pluginPath = std::nullopt) {
  TempDir scratch;
  const auto errFile = scratch / "stderr.txt";
  const std::string environment = pluginPath ? "NEUROLOUPE_PLUGIN_PATH=" + shellQuote(*pluginPath)
                                             : std::string("env -u NEUROLOUPE_PLUGIN_PATH");
  const std::string command =
      environment + " " + shellQuote(binary) + " " + arguments + " 2>" + shellQuote(errFile);
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = readBytes(errFile);
  return run;
}

}  // namespace nl::test
