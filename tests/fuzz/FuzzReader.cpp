// libFuzzer harness for one reader entry point. The input bytes become a file
// (or, for folder formats, the one fuzzed file of a small folder) in a private
// temporary folder; it is opened through the reader registry exactly as the
// CLI and the GUI open files, and every dataset is then read whole. The only
// acceptable outcomes are data or a FileError: a crash, a sanitizer report,
// any other exception, a hang or an allocation beyond libFuzzer's limits is a
// finding. One program; the format comes from the name it is started as
// (fuzz_<target>, a symlink per format: tests/fuzz/CMakeLists.txt).
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "io/Dataset.h"
#include "io/Error.h"
#include "io/ReaderRegistry.h"
#include "io/image/RasterImage.h"
#include "io/microscopy/VolumeDataset.h"

namespace fs = std::filesystem;

namespace {

// target → the file name its bytes are written to (folder formats: the folder).
struct Target {
  const char* name;
  const char* fileName;
};
constexpr Target kTargets[] = {
    {"npy", "data.npy"},
    {"npz", "data.npz"},
    {"csv", "table.csv"},
    {"mat", "data.mat"},
    {"json", "connectome.json"},
    {"nifti", "run.nii"},
    {"nifti_gz", "run.nii.gz"},
    {"mgh", "volume.mgh"},
    {"mgz", "volume.mgz"},
    {"gifti", "surface.gii"},
    {"freesurfer_surface", "lh.white"},
    {"freesurfer_curv", "lh.thickness"},
    {"freesurfer_annot", "lh.aparc.annot"},
    {"tiff", "stack.tif"},
    {"swc", "neuron.swc"},
    {"zarr_metadata", "volume.zarr"},
    {"zarr_chunk", "volume.zarr"},
    {"hdf5", "data.h5"},
    {"nwb", "recording.nwb"},
    {"png", "image.png"},
    {"jpeg", "image.jpg"},
};
std::string g_target;
std::string g_fileName;

// Reads larger than this are as likely to be legitimate as hostile; the
// declared-size checks are what keep a hostile header from allocating.
constexpr std::size_t kMaxVoxelsReadWhole = std::size_t{1} << 24;

const fs::path& scratch() {
  static const fs::path dir = [] {
    std::string pattern = (fs::temp_directory_path() / "nl-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    return fs::path(pattern);
  }();
  return dir;
}

void writeFile(const fs::path& path, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) std::abort();
}

void writeText(const fs::path& path, std::string_view text) {
  writeFile(path, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

void touch(const nl::io::Dataset& dataset) {
  (void)dataset.summary().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (const auto* array = dynamic_cast<const nl::io::ArrayDataset*>(&dataset)) {
    const auto& values = array->values();
    volatile double sink = values.empty() ? 0.0 : values.front() + values.back();
    (void)sink;
  } else if (const auto* table = dynamic_cast<const nl::io::TableDataset*>(&dataset)) {
    for (const auto& column : table->columns()) (void)column.name.size();
  } else if (const auto* recording = dynamic_cast<const nl::io::SpikeRecording*>(&dataset)) {
    (void)recording->timeRange();
    const auto trains = recording->allTrains();
    for (std::size_t unit = 0; unit < trains.size(); ++unit) {
      if (recording->hasAmplitudes()) (void)recording->amplitudesOfUnit(unit);
      if (recording->hasWaveforms()) (void)recording->waveformMean(unit);
    }
  } else if (const auto* mesh = dynamic_cast<const nl::io::SurfaceMeshDataset*>(&dataset)) {
    for (std::int32_t index : mesh->triangles())
      if (index < 0 || static_cast<std::size_t>(index) >= mesh->vertexCount()) std::abort();
  } else if (const auto* volume =
                 dynamic_cast<const nl::io::microscopy::VolumeDataset*>(&dataset)) {
    const auto shape = volume->volumeShape();
    auto box = nl::io::microscopy::Box::whole(shape);
    if (shape.voxelCount() > kMaxVoxelsReadWhole) {
      const auto chunk = volume->chunkShape();
      box = {0, 1,
             0, std::min(chunk.z, shape.z),
             0, std::min(chunk.y, shape.y),
             0, std::min(chunk.x, shape.x)};
    }
    std::vector<float> out(box.outputShape(1).voxelCount());
    volume->readFloat(box, out);
  }
}

// The path the fuzzed bytes are opened as.
fs::path materialise(const std::uint8_t* data, std::size_t size) {
  const fs::path root = scratch();
  const std::string& target = g_target;
  if (target == "zarr_metadata") {
    // The bytes are the array's .zarray; a raw chunk under every key a 1-D to
    // 3-D array would name for its first chunk.
    const fs::path array = root / "volume.zarr";
    fs::remove_all(array);
    fs::create_directories(array);
    writeFile(array / ".zarray", data, size);
    const std::string chunk(4096, '\x01');
    for (const char* key : {"0", "0.0", "0.0.0", "0.0.0.0"}) writeText(array / key, chunk);
    return array;
  }
  if (target == "zarr_chunk") {
    // The first byte picks the codec, the rest is the stored chunk.
    static const char* const compressors[] = {
        "null",
        R"({"id":"zlib","level":1})",
        R"({"id":"gzip","level":1})",
        R"({"id":"blosc","cname":"lz4","clevel":5,"shuffle":1,"blocksize":0})",
        R"({"id":"zstd","level":1})",
        R"({"id":"bz2","level":1})"};
    static const char* const dtypes[] = {"\"<u2\"", "\"|u1\"", "\"<f4\"", "\">i4\""};
    const std::size_t pick = size == 0 ? 0 : data[0];
    const fs::path array = root / "volume.zarr";
    fs::remove_all(array);
    fs::create_directories(array);
    writeText(array / ".zarray",
              std::string(R"({"zarr_format":2,"shape":[8,16,16],"chunks":[8,16,16],"dtype":)") +
                  dtypes[(pick >> 4) % std::size(dtypes)] + R"(,"compressor":)" +
                  compressors[pick % std::size(compressors)] +
                  R"(,"fill_value":0,"order":"C","filters":null})");
    writeFile(array / "0.0.0", data + (size == 0 ? 0 : 1), size == 0 ? 0 : size - 1);
    return array;
  }
  const fs::path file = root / g_fileName;
  writeFile(file, data, size);
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  const std::string program = fs::path((*argv)[0]).filename().string();
  for (const auto& target : kTargets)
    if (program == std::string("fuzz_") + target.name) {
      g_target = target.name;
      g_fileName = target.fileName;
    }
  if (g_target.empty()) {
    std::fprintf(stderr, "start this program as fuzz_<target> (a symlink), not %s\n",
                 program.c_str());
    std::exit(2);
  }
  (void)argc;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path path = materialise(data, size);
  if (g_target == "png" || g_target == "jpeg") {
    // Task images (prosthesis objective): not a dataset reader; its clear
    // error is a runtime_error naming the file.
    try {
      const auto image = nl::io::readRasterImage(path);
      if (image.pixels.size() != image.width * image.height) std::abort();
      for (const double v : image.pixels)
        if (!(v >= 0.0 && v <= 1.0)) std::abort();
    } catch (const std::runtime_error& error) {
      if (std::string_view(error.what()).find(path.filename().string()) == std::string_view::npos)
        std::abort();  // the error must name the file
    }
    return 0;
  }
  try {
    const auto contents = nl::io::ReaderRegistry::builtin().open(path);
    (void)contents.metadata.json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    for (const auto& dataset : contents.datasets) touch(*dataset);
  } catch (const nl::io::FileError&) {
    // The one acceptable failure: a clear error naming the file.
  }
  return 0;
}
