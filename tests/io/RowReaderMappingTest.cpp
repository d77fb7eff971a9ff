// RowReader maps 1-D float64 spike times in place when their bytes lie in the
// file as one run: contiguous storage, or unfiltered chunks written back to
// back. Chunks stored out of order are read, not mapped, and give the same values.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "io/Threads.h"
#include "io/hdf5/H5.h"
#include "io/hdf5/RowReader.h"
#include "tests/support/TestSupport.h"

namespace {

constexpr hsize_t kChunk = 1000;

// 1-D chunked float64 values 0.5, 1.5, …; chunk by chunk in `order`.
std::vector<double> writeChunked(const std::filesystem::path& path, hsize_t size,
                                 const std::vector<hsize_t>& order) {
  std::vector<double> values(size);
  std::iota(values.begin(), values.end(), 0.5);
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t space = H5Screate_simple(1, &size, nullptr);
  const hid_t create = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(create, 1, &kChunk);
  const hid_t dataset =
      H5Dcreate2(file, "spike_times", H5T_IEEE_F64LE, space, H5P_DEFAULT, create, H5P_DEFAULT);
  for (hsize_t chunk : order) {
    const hsize_t start = chunk * kChunk, count = std::min(kChunk, size - start);
    const hid_t fileSpace = H5Dget_space(dataset);
    H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nullptr, &count, nullptr);
    const hid_t memory = H5Screate_simple(1, &count, nullptr);
    H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory, fileSpace, H5P_DEFAULT, values.data() + start);
    H5Sclose(memory);
    H5Sclose(fileSpace);
  }
  H5Dclose(dataset);
  H5Pclose(create);
  H5Sclose(space);
  H5Fclose(file);
  return values;
}

std::vector<double> readAll(const nl::io::h5::RowReader& reader) {
  std::vector<double> out(reader.rows());
  reader.read(0, reader.rows(), out.data());
  return out;
}

TEST(RowReaderMapping, ChunksWrittenBackToBackAreMappedInPlace) {
  nl::test::TempDir dir;
  const auto path = dir / "forward.h5";
  const auto values = writeChunked(path, 4500, {0, 1, 2, 3, 4});  // last chunk partial
  const auto file = nl::io::h5::File::openReadOnly(path);
  const nl::io::h5::RowReader reader(file.root(), "spike_times");
  ASSERT_EQ(reader.path(), nl::io::h5::RowReader::Path::Chunked);
  const auto mapped = reader.mapDoubles();
  ASSERT_TRUE(mapped) << "back-to-back chunks are the same bytes as contiguous storage";
  EXPECT_EQ(std::vector<double>(mapped->values.begin(), mapped->values.end()), values);
  EXPECT_EQ(reader.stats().bytesRead, 0u);
}

TEST(RowReaderMapping, ChunksStoredOutOfOrderAreReadNotMapped) {
  nl::test::TempDir dir;
  const auto path = dir / "reverse.h5";
  const auto values = writeChunked(path, 4500, {4, 3, 2, 1, 0});
  const auto file = nl::io::h5::File::openReadOnly(path);
  const nl::io::h5::RowReader reader(file.root(), "spike_times");
  EXPECT_FALSE(reader.mapDoubles()) << "a mapping of chunk 0 onwards would be chunk 0, then 4…";
  EXPECT_EQ(readAll(reader), values);
}

TEST(RowReaderMapping, UnwrittenChunkIsNotMappedAndReadsAsFill) {
  nl::test::TempDir dir;
  const auto path = dir / "hole.h5";
  auto values = writeChunked(path, 4500, {0, 1, 3, 4});
  std::fill(values.begin() + 2 * kChunk, values.begin() + 3 * kChunk, 0.0);
  const auto file = nl::io::h5::File::openReadOnly(path);
  const nl::io::h5::RowReader reader(file.root(), "spike_times");
  EXPECT_FALSE(reader.mapDoubles());
  EXPECT_EQ(readAll(reader), values);
}

}  // namespace

// A read of more than 64 MB is split over worker threads at arbitrary points
// of its chunks; whatever the thread count, the values are the file's.
TEST(RowReaderMapping, LargeReadsOfScatteredChunksSplitOverThreadsGiveTheFilesValues) {
  nl::test::TempDir dir;
  const auto path = dir / "scattered.h5";
  const hsize_t size = 9'100'123;  // 72.8 MB, 9,101 chunks, the last one partial
  std::vector<hsize_t> order(size / kChunk + 1);
  std::iota(order.rbegin(), order.rend(), hsize_t{0});  // stored back to front: not mappable
  const auto values = writeChunked(path, size, order);
  const auto file = nl::io::h5::File::openReadOnly(path);
  const nl::io::h5::RowReader reader(file.root(), "spike_times");
  ASSERT_EQ(reader.path(), nl::io::h5::RowReader::Path::Chunked);
  for (int threads : {1, 2, 3}) {
    nl::io::setWorkerThreadCount(threads);
    const std::uint64_t begin = 777, end = size - 333;
    std::vector<double> out(end - begin, -1.0);
    reader.read(begin, end, out.data());
    EXPECT_TRUE(std::equal(out.begin(), out.end(), values.begin() + begin))
        << threads << " threads";
  }
  nl::io::setWorkerThreadCount(0);
}
