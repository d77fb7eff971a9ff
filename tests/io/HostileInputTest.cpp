// Hostile inputs through the readers: files made in a temp folder (or real
// fixtures mutated there) that once hung, crashed, allocated gigabytes or
// gave silent wrong values. Each must end as one FileError naming the file
// and the problem (issue #18).
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "io/ReaderRegistry.h"
#include "io/ResultFile.h"
#include "io/Session.h"
#include "io/SessionFile.h"
#include "io/UntrustedInput.h"
#include "io/ViewState.h"
#include "io/hdf5/H5.h"
#include "io/microscopy/ZarrReader.h"
#include "tests/support/TestSupport.h"

namespace nl::io {
namespace {

namespace fs = std::filesystem;
using test::fileErrorOf;
using test::TempDir;
using test::writeBytes;

// `head`, then zeros up to `size` bytes: a sparse file, so a multi-gigabyte
// one costs nothing on disk unless something reads it.
fs::path sparseFile(const fs::path& path, const std::string& head, std::uint64_t size) {
  writeBytes(path, head);
  fs::resize_file(path, size);
  return path;
}

std::string reasonOfOpening(const fs::path& path, const std::string& internalPath = {}) {
  const auto error = fileErrorOf([&] { (void)ReaderRegistry::builtin().open(path, internalPath); });
  return error ? error->reason() : std::string("(no FileError)");
}

// --- FIFOs and devices ------------------------------------------------------

TEST(HostileInput, NamedPipeIsRefusedBeforeItIsOpened) {
  TempDir dir;
  for (const char* name : {"pipe.csv", "pipe.nii", "pipe.swc", "pipe.h5"}) {
    const auto path = dir / name;
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    const auto reason = reasonOfOpening(path);
    EXPECT_NE(reason.find("named pipe"), std::string::npos) << name << ": " << reason;
  }
}

TEST(HostileInput, DevicesAreRefusedWhateverTheyAreNamed) {
  TempDir dir;
  for (const auto& [device, name] :
       {std::pair{"/dev/zero", "zero.swc"}, std::pair{"/dev/urandom", "random.csv"},
        std::pair{"/dev/null", "null.json"}}) {
    if (!fs::exists(device)) continue;
    const auto link = dir / name;
    fs::create_symlink(device, link);
    const auto reason = reasonOfOpening(link);
    EXPECT_NE(reason.find("character device"), std::string::npos) << name << ": " << reason;
  }
}

TEST(HostileInput, NamedPipeInsideAFolderIsRefusedToo) {
  TempDir dir;
  const auto phy = dir / "sorting";
  fs::create_directories(phy);
  writeBytes(phy / "spike_times.npy", "");
  ASSERT_EQ(::mkfifo((phy / "params.py").c_str(), 0600), 0);
  const auto error = fileErrorOf([&] { (void)ReaderRegistry::builtin().open(phy); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("named pipe"), std::string::npos) << error->what();
}

// --- text formats without a size field --------------------------------------

TEST(HostileInput, TextFormatsLargerThanTheirCapAreRefusedUnread) {
  TempDir dir;
  struct Case {
    const char* name;
    std::string head;
    std::uint64_t cap;
  };
  const Case cases[] = {
      {"huge.csv", "a,b\n" + std::string(1024, '7') + ",2\n",
       kMaxCsvBytes},  // text past the sniffed head
      {"huge.swc", "# swc\n1 1 0 0 0 1 -1\n", kMaxSwcBytes},
      {"huge.json", R"([{"pre": "A", "post": "B", "typ": 0, "syn": 1}, )", kMaxJsonBytes},
  };
  for (const auto& c : cases) {
    const auto path = sparseFile(dir / c.name, c.head, c.cap + 1);
    const auto reason = reasonOfOpening(path);
    EXPECT_NE(reason.find("larger than " + byteSizeText(c.cap) + " is refused"), std::string::npos)
        << c.name << ": " << reason;
    fs::remove(path);
  }
}

TEST(HostileInput, PhyParamsLargerThanOneMegabyteIsRefused) {
  TempDir dir;
  const auto phy = dir / "sorting";
  fs::create_directories(phy);
  writeBytes(phy / "spike_times.npy", test::npyBytes(1, test::simpleDict("<i8", "(1,)"),
                                                     test::rawBytes<std::int64_t>({30})));
  writeBytes(phy / "spike_clusters.npy",
             test::npyBytes(1, test::simpleDict("<i4", "(1,)"), test::rawBytes<std::int32_t>({0})));
  sparseFile(phy / "params.py", "sample_rate = 30000.\n", kMaxPhyParamsBytes + 1);
  const auto error = fileErrorOf([&] { (void)ReaderRegistry::builtin().open(phy); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path(), phy / "params.py");
  EXPECT_NE(error->reason().find("larger than 1 MiB is refused"), std::string::npos)
      << error->what();
}

TEST(HostileInput, ReadWholeFileStopsAtTheLimitAndNamesFolders) {
  TempDir dir;
  writeBytes(dir / "ten.txt", "0123456789");
  EXPECT_EQ(readWholeFile(dir / "ten.txt", 10, "a text"), "0123456789");
  EXPECT_TRUE(fileErrorOf([&] { (void)readWholeFile(dir / "ten.txt", 9, "a text"); }));
  const auto folder = fileErrorOf([&] { (void)readWholeFile(dir.path(), 9, "a text"); });
  ASSERT_TRUE(folder);
  EXPECT_EQ(folder->reason(), "is a folder, not a text");
}

// --- zarr -------------------------------------------------------------------

TEST(HostileInput, ZarrChunkThatIsAFolderIsNamedAsSuch) {
  TempDir dir;
  const auto array = dir / "a.zarr";
  fs::create_directories(array / "0.0.0");  // where the one chunk file should be
  writeBytes(array / ".zarray",
             R"({"zarr_format": 2, "shape": [2, 2, 2], "chunks": [2, 2, 2], "dtype": "|u1",
                 "order": "C", "fill_value": 0, "compressor": null, "filters": null})");
  const auto volume = microscopy::openZarrArray(array, "");
  const auto error =
      fileErrorOf([&] { (void)volume->readFloat(microscopy::Box::whole(volume->volumeShape())); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("is a folder, not a zarr chunk"), std::string::npos)
      << error->what();
  EXPECT_EQ(std::string(error->what()).find("9223372036854775807"), std::string::npos);
}

// --- JSON: depth and size limits wherever file content is parsed -------------

std::string deepJson(std::size_t levels) {
  return std::string(levels, '[') + std::string(levels, ']');
}

TEST(HostileInput, JsonNestingIsCountedWithoutRecursion) {
  EXPECT_EQ(jsonNestingDepth("{}"), 1u);
  EXPECT_EQ(jsonNestingDepth(R"({"a": [1, {"b": "[[[[[["}]})"), 3u) << "brackets in strings";
  EXPECT_EQ(jsonNestingDepth(R"(["\"[[[", [2]])"), 2u) << "escaped quotes";
  EXPECT_NO_THROW((void)parseUntrustedJson(deepJson(kMaxJsonDepth), "ok.json"));
  const auto error =
      fileErrorOf([] { (void)parseUntrustedJson(deepJson(kMaxJsonDepth + 1), "deep.json"); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->reason(), "is JSON nested deeper than 256 levels; refused");
  EXPECT_TRUE(parseUntrustedJsonOrDiscarded(deepJson(80'000)).is_discarded());
  EXPECT_TRUE(parseUntrustedJsonOrDiscarded("{").is_discarded());
  EXPECT_EQ(parseUntrustedJsonOrDiscarded(R"({"a": 1})")["a"], 1);
}

TEST(HostileInput, DeepZarrMetadataIsRefusedNotACrash) {
  TempDir dir;
  const std::string zarray =
      R"({"zarr_format": 2, "shape": [2, 2, 2], "chunks": [2, 2, 2], "dtype": "|u1",
          "order": "C", "fill_value": 0, "compressor": null, "filters": )";
  for (const char* where : {".zattrs", ".zarray"}) {
    const auto array = dir / (std::string("a") + where + ".zarr");
    fs::create_directories(array);
    const bool attrs = std::string(where) == ".zattrs";
    writeBytes(array / ".zarray", zarray + (attrs ? "null" : deepJson(80'000)) + "}");
    if (attrs) writeBytes(array / ".zattrs", R"({"deep": )" + deepJson(80'000) + "}");
    const auto error = fileErrorOf([&] { (void)ReaderRegistry::builtin().open(array); });
    ASSERT_TRUE(error) << where;
    EXPECT_EQ(error->path(), array / where);
    EXPECT_NE(error->reason().find("nested deeper than 256"), std::string::npos) << error->what();
  }
}

TEST(HostileInput, DeepConnectomeJsonIsRefusedNotACrash) {
  TempDir dir;
  const auto path = dir / "edges.json";
  writeBytes(path,
             R"([{"pre": "AVAL", "post": "AVAR", "typ": 0, "syn": )" + deepJson(80'000) + "}]");
  const auto reason = reasonOfOpening(path);
  EXPECT_NE(reason.find("nested deeper than 256"), std::string::npos) << reason;
}

// Sets the text attribute `name` of `object` in the HDF5 file `file` (as a hostile editor would).
void setTextAttribute(const fs::path& file, const std::string& object, const std::string& name,
                      const std::string& value) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0) << file;
  const hid_t o = H5Oopen(f, object.c_str(), H5P_DEFAULT);
  ASSERT_GE(o, 0) << object;
  if (H5Aexists(o, name.c_str()) > 0) H5Adelete(o, name.c_str());
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attribute = H5Acreate2(o, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
  const char* data = value.c_str();
  EXPECT_GE(H5Awrite(attribute, type, &data), 0);
  H5Aclose(attribute);
  H5Sclose(space);
  H5Tclose(type);
  H5Oclose(o);
  H5Fclose(f);
}

TEST(HostileInput, DeepJsonInResultAndSessionFilesIsRefusedNotACrash) {
  TempDir dir;
  // A result file whose run provenance is 80,000 levels deep.
  const auto result = dir / "r.h5";
  const auto summary = std::make_shared<ArrayDataset>(
      DatasetKind::Scalars, "s", std::vector<std::size_t>{1}, std::vector<double>{1.0},
      Provenance::fromFile("/x.csv", "", "CSV"));
  Provenance run;
  run.pluginId = "stats.descriptive";
  run.runId = newUuid();
  writeResultFile(result, {{"summary", summary}}, run);
  setTextAttribute(result, "/", "provenance", R"({"inputs": )" + deepJson(80'000) + "}");
  const auto error = fileErrorOf([&] { (void)ReaderRegistry::builtin().open(result); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("provenance"), std::string::npos) << error->what();

  // A session whose stored dataset carries deep attributes and whose
  // relocations are deep: it opens, without them.
  Session session;
  session.add(std::make_shared<ArrayDataset>(DatasetKind::Array, "inline",
                                             std::vector<std::size_t>{2}, std::vector<double>{1, 2},
                                             Provenance{}));
  const auto path = dir / "s.nlsession";
  saveSession(session, path, {"0.1.0", {}});
  const auto stored =
      "/datasets/" + h5::File::openReadOnly(path).root().openGroup("datasets").children().at(0);
  setTextAttribute(path, "/", "relocations", R"({"a": )" + deepJson(80'000) + "}");
  setTextAttribute(path, stored, "attributes", R"({"a": )" + deepJson(80'000) + "}");
  Session loaded;
  EXPECT_NO_THROW((void)loadSession(loaded, path));
  EXPECT_EQ(loaded.entries().size(), 1u);
}

TEST(HostileInput, DeepSceneStateIsAnErrorNotACrash) {
  EXPECT_THROW((void)sceneStateFromJson(R"({"layers": )" + deepJson(80'000) + "}"),
               std::invalid_argument);
}

// --- HDF5: present but unreadable is an error, never "absent" ---------------

// A copy of `source` with `count` bytes at the object header of `object` overwritten.
fs::path withDamagedObjectHeader(const TempDir& dir, const fs::path& source,
                                 const std::string& object) {
  const auto copy = dir / source.filename().string();
  fs::copy_file(source, copy);
  haddr_t address = HADDR_UNDEF;
  {
    const hid_t file = H5Fopen(copy.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    H5O_info_t info;
    if (file >= 0 &&
        H5Oget_info_by_name2(file, object.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) >= 0)
      address = info.addr;
    if (file >= 0) H5Fclose(file);
  }
  if (address == HADDR_UNDEF) {
    ADD_FAILURE() << "no object " << object << " in " << source;
    return copy;
  }
  std::fstream out(copy, std::ios::binary | std::ios::in | std::ios::out);
  out.seekp(static_cast<std::streamoff>(address));
  const char garbage[4] = {'\x7f', '\x7f', '\x7f', '\x7f'};  // not a version, not "OHDR"
  out.write(garbage, sizeof garbage);
  return copy;
}

TEST(HostileInput, NwbSpikeTimesWithADamagedObjectHeaderIsAnError) {
  NL_REQUIRE_FIXTURE("nwb/A8604-211122.nwb");
  TempDir dir;
  const auto damaged =
      withDamagedObjectHeader(dir, test::fixtures() / "nwb/A8604-211122.nwb", "/units/spike_times");
  const auto error = fileErrorOf([&] {
    const auto contents = ReaderRegistry::builtin().open(damaged);
    for (const auto& d : contents.datasets)
      if (const auto* r = dynamic_cast<const SpikeRecording*>(d.get()))
        ADD_FAILURE() << "opened as " << r->unitCount() << " units, " << r->spikeCount()
                      << " spikes";
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path(), damaged);
  EXPECT_NE(error->reason().find("spike_times' is present but cannot be read"), std::string::npos)
      << error->what();
}

TEST(HostileInput, Hdf5AbsentAndDanglingLinksStayAbsent) {
  TempDir dir;
  const auto path = dir / "links.h5";
  {
    auto file = h5::File::create(path);
    file.root().writeDoubles("values", {1, 2}, {2});
    H5Lcreate_soft("/nowhere", file.root().id(), "dangling", H5P_DEFAULT, H5P_DEFAULT);
    file.close();
  }
  const auto root = h5::File::openReadOnly(path).root();
  EXPECT_TRUE(root.isDataset("values"));
  EXPECT_FALSE(root.isDataset("absent"));
  EXPECT_FALSE(root.isGroup("absent/deeper"));
  EXPECT_FALSE(root.isDataset("dangling"));
}

// --- MGZ: gzip's integrity check --------------------------------------------

// `raw` as a gzip member of stored (uncompressed) deflate blocks: a byte
// changed in the payload still decodes, and only the CRC-32 tells.
std::string gzipStored(const std::string& raw) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 0, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&s, static_cast<uLong>(raw.size())) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  s.avail_in = static_cast<uInt>(raw.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

std::string gunzip(const std::string& compressed) {
  z_stream s{};
  EXPECT_EQ(inflateInit2(&s, 15 + 32), Z_OK);
  std::string out;
  std::string buffer(1 << 20, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  s.avail_in = static_cast<uInt>(compressed.size());
  int status = Z_OK;
  while (status == Z_OK) {
    s.next_out = reinterpret_cast<Bytef*>(buffer.data());
    s.avail_out = static_cast<uInt>(buffer.size());
    status = inflate(&s, Z_NO_FLUSH);
    out.append(buffer.data(), buffer.size() - s.avail_out);
  }
  EXPECT_EQ(status, Z_STREAM_END);
  inflateEnd(&s);
  return out;
}

TEST(HostileInput, MgzFailingGzipsCrcOrLengthIsAnErrorNotGarbage) {
  NL_REQUIRE_FIXTURE("surface/freesurfer_subject1/brain.mgz");
  TempDir dir;
  const std::string raw =
      gunzip(test::readBytes(test::fixtures() / "surface/freesurfer_subject1/brain.mgz"));
  const std::string good = gzipStored(raw);
  const auto voxels = [](const fs::path& path) {
    const auto contents = ReaderRegistry::builtin().open(path);
    const auto array = std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets.at(0));
    return array->typed().toDoubles();
  };
  writeBytes(dir / "good.mgz", good);
  const auto expected = voxels(dir / "good.mgz");
  ASSERT_EQ(expected.size(), 256u * 256u * 256u);

  // One voxel changed inside a stored block (the first block's payload
  // starts 5 bytes after the 10-byte gzip header; the voxels 284 bytes in).
  std::string damaged = good;
  damaged[10 + 5 + 284 + 4000] ^= 0x5a;
  writeBytes(dir / "voxel.mgz", damaged);
  // The CRC-32 itself, and the length after it.
  std::string crc = good, length = good;
  crc[crc.size() - 8] ^= 0x01;
  length[length.size() - 1] ^= 0x01;
  writeBytes(dir / "crc.mgz", crc);
  writeBytes(dir / "length.mgz", length);
  // The trailer cut short.
  writeBytes(dir / "short.mgz", good.substr(0, good.size() - 3));
  for (const char* name : {"voxel.mgz", "crc.mgz", "length.mgz", "short.mgz"}) {
    const auto error = fileErrorOf([&] {
      const auto got = voxels(dir / name);
      ADD_FAILURE() << name << " read without error; " << (got == expected ? "same" : "different")
                    << " voxels";
    });
    ASSERT_TRUE(error) << name;
    EXPECT_NE(error->reason().find("gzip"), std::string::npos) << error->what();
  }
}

// --- TIFF: a looping chain of image directories ------------------------------

std::uint64_t littleEndian(const std::string& bytes, std::uint64_t at, int size) {
  std::uint64_t v = 0;
  for (int i = size - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

TEST(HostileInput, TiffWhoseDirectoryChainLoopsIsAnErrorNotAShorterStack) {
  NL_REQUIRE_FIXTURE("vasculature/vesselNN_2photon/burgess2014_tgMouse_BM4D_denoised.tif");
  TempDir dir;
  std::string bytes = test::readBytes(
      test::fixtures() / "vasculature/vesselNN_2photon/burgess2014_tgMouse_BM4D_denoised.tif");
  ASSERT_EQ(bytes.substr(0, 4), std::string("II*\0", 4)) << "a classic little-endian TIFF";
  // The offsets of the first two directories, then page 1's "next" → page 0.
  const std::uint64_t first = littleEndian(bytes, 4, 4);
  const std::uint64_t second =
      littleEndian(bytes, first + 2 + 12 * littleEndian(bytes, first, 2), 4);
  const std::uint64_t nextOfSecond = second + 2 + 12 * littleEndian(bytes, second, 2);
  for (int i = 0; i < 4; ++i)
    bytes[nextOfSecond + i] = static_cast<char>((first >> (8 * i)) & 0xff);
  writeBytes(dir / "loop.tif", bytes);
  const auto error = fileErrorOf([&] {
    const auto contents = ReaderRegistry::builtin().open(dir / "loop.tif");
    ADD_FAILURE() << "opened: " << contents.datasets.at(0)->summary().dump();
  });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("loops: the directory after page 1 is page 0 again"),
            std::string::npos)
      << error->what();
}

// --- npz: declared member sizes against what the archive can hold ------------

std::string le(std::uint64_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

// A one-member zip archive whose headers declare `declaredSize` uncompressed bytes.
std::string zipWithOneMember(const std::string& name, std::uint16_t method, const std::string& data,
                             std::uint32_t declaredSize) {
  const std::uint32_t crc = static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  const auto common = le(20, 2) + le(0, 2) + le(method, 2) + le(0, 4) + le(crc, 4) +
                      le(data.size(), 4) + le(declaredSize, 4) + le(name.size(), 2) + le(0, 2);
  const std::string local = le(0x04034b50, 4) + common + name + data;
  const std::string central = le(0x02014b50, 4) + le(20, 2) + common + le(0, 2) + le(0, 2) +
                              le(0, 2) + le(0, 4) + le(0, 4) + name;
  const std::string end = le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(1, 2) + le(1, 2) +
                          le(central.size(), 4) + le(local.size(), 4) + le(0, 2);
  return local + central + end;
}

std::string rawDeflate(const std::string& raw) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&s, static_cast<uLong>(raw.size())) + 16, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  s.avail_in = static_cast<uInt>(raw.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

long peakResidentKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(HostileInput, NpzMemberDeclaringMoreThanDeflateCanYieldIsRefusedBeforeAllocating) {
  TempDir dir;
  const std::string npy =
      test::npyBytes(1, test::simpleDict("<f8", "(3,)"), test::rawBytes<double>({1, 2, 3}));
  // The honest archive reads.
  writeBytes(dir / "ok.npz",
             zipWithOneMember("x.npy", 8, rawDeflate(npy), static_cast<std::uint32_t>(npy.size())));
  const auto ok = ReaderRegistry::builtin().open(dir / "ok.npz");
  ASSERT_EQ(ok.datasets.size(), 1u);
  EXPECT_EQ(std::dynamic_pointer_cast<const ArrayDataset>(ok.datasets[0])->values().at(2), 3.0);

  const long before = peakResidentKiB();
  writeBytes(dir / "bomb.npz", zipWithOneMember("x.npy", 8, rawDeflate(npy), 0x7fffffff));
  const auto bomb = fileErrorOf([&] { (void)ReaderRegistry::builtin().open(dir / "bomb.npz"); });
  ASSERT_TRUE(bomb);
  EXPECT_NE(bomb->reason().find("declares 2147483647 bytes"), std::string::npos) << bomb->what();
  EXPECT_NE(bomb->reason().find("1032:1"), std::string::npos) << bomb->what();
  // A stored member whose declared size is not what is stored.
  writeBytes(dir / "stored.npz", zipWithOneMember("x.npy", 0, npy, 0x7fffffff));
  const auto stored =
      fileErrorOf([&] { (void)ReaderRegistry::builtin().open(dir / "stored.npz"); });
  ASSERT_TRUE(stored);
  EXPECT_NE(stored->reason().find("stored uncompressed"), std::string::npos) << stored->what();
  EXPECT_LT(peakResidentKiB() - before, 256 * 1024) << "nothing near 2 GiB was allocated";
}

// --- MAT v5: dims against the bytes the file holds ----------------------------

namespace mat5 {

std::string u32(std::uint32_t v) {
  return le(v, 4);
}
std::string element(std::uint32_t type, const std::string& data) {
  std::string out = u32(type) + u32(static_cast<std::uint32_t>(data.size())) + data;
  while (out.size() % 8 != 0) out += '\0';
  return out;
}
// A miMATRIX of mxCLASS `kind` with `dims`, `name` and the sub-elements `body`.
std::string matrix(std::uint32_t kind, const std::vector<std::int32_t>& dims,
                   const std::string& name, const std::string& body) {
  std::string dimBytes;
  for (const auto d : dims) dimBytes += u32(static_cast<std::uint32_t>(d));
  return element(14,
                 element(6, u32(kind) + u32(0)) + element(5, dimBytes) + element(1, name) + body);
}
std::string doubles(const std::vector<double>& values) {
  return element(9, test::rawBytes(values));
}
// The field names of a struct: a small miINT32 element (the name length), then the names.
std::string fieldNames(const std::vector<std::string>& names, std::uint32_t length = 8) {
  std::string text;
  for (auto n : names) text += n.append(length - n.size(), '\0');
  return u32((4u << 16) | 5u) + u32(length) + element(1, text);
}
std::string file(const std::string& variables) {
  std::string header = "MATLAB 5.0 MAT-file, written by a NeuroLoupe test";
  header.resize(116, ' ');
  header += std::string(8, '\0') + le(0x0100, 2) + "IM";
  return header + variables;
}
std::string compressed(const std::string& variable) {
  uLongf size = compressBound(static_cast<uLong>(variable.size()));
  std::string out(size, '\0');
  compress(reinterpret_cast<Bytef*>(out.data()), &size,
           reinterpret_cast<const Bytef*>(variable.data()), static_cast<uLong>(variable.size()));
  out.resize(size);
  return u32(15) + u32(static_cast<std::uint32_t>(out.size())) + out;
}

}  // namespace mat5

TEST(HostileInput, MatDimsBeyondTheStoredDataAreAnErrorBeforeLibmatioReadsThem) {
  TempDir dir;
  constexpr std::uint32_t kDouble = 6, kStruct = 2, kCell = 1;
  // Honest files still read: a 2 × 2 matrix and a struct with one field.
  writeBytes(dir / "ok.mat",
             mat5::file(mat5::matrix(kDouble, {2, 2}, "m", mat5::doubles({1, 2, 3, 4})) +
                        mat5::compressed(mat5::matrix(
                            kStruct, {1, 1}, "s",
                            mat5::fieldNames({"x"}) +
                                mat5::matrix(kDouble, {1, 3}, "", mat5::doubles({5, 6, 7}))))));
  const auto ok = ReaderRegistry::builtin().open(dir / "ok.mat");
  ASSERT_EQ(ok.datasets.size(), 2u);
  EXPECT_EQ(std::dynamic_pointer_cast<const ArrayDataset>(ok.datasets[1])->values(),
            (std::vector<double>{5, 6, 7}));

  const std::map<std::string, std::string> hostile{
      // 100 × 100 declared, 10 values stored: libmatio filled the rest with zeros.
      {"zeros.mat", mat5::file(mat5::matrix(kDouble, {100, 100}, "big",
                                            mat5::doubles({1, 2, 3, 4, 5, 6, 7, 8, 9, 10})))},
      // 10^9 × 8 struct elements in a few bytes: libmatio crashed.
      {"struct.mat",
       mat5::file(mat5::matrix(kStruct, {1000000000, 8}, "rdms", mat5::fieldNames({"rdm"})))},
      // The same, compressed (243 bytes made libmatio take 15 GB).
      {"zstruct.mat", mat5::file(mat5::compressed(mat5::matrix(
                          kStruct, {1000000000, 1}, "rdms", mat5::fieldNames({"rdm", "name"}))))},
      {"cell.mat", mat5::file(mat5::matrix(kCell, {1000000000, 1}, "names", ""))},
  };
  for (const auto& [name, bytes] : hostile) {
    writeBytes(dir / name, bytes);
    const auto error = fileErrorOf([&] {
      const auto contents = ReaderRegistry::builtin().open(dir / name);
      for (const auto& d : contents.datasets)
        if (const auto* a = dynamic_cast<const ArrayDataset*>(d.get()))
          ADD_FAILURE() << name << " opened: " << d->name() << " with " << a->values().size()
                        << " values";
    });
    ASSERT_TRUE(error) << name;
    EXPECT_NE(error->reason().find("declares dims"), std::string::npos) << error->what();
  }
}

// --- sessions: a saved selection the dataset no longer has ---------------------

TEST(HostileInput, SessionSelectionBeyondTheDatasetIsDroppedWithANotice) {
  TempDir dir;
  writeBytes(dir / "units.csv", "id,area\n0,VISp\n1,CA1\n");
  Session session;
  const auto table = session.add(ReaderRegistry::builtin().open(dir / "units.csv").datasets.at(0));
  session.selection().select(table, {1, 5, 1000000}, "test");
  const auto path = dir / "s.nlsession";
  saveSession(session, path, {"0.1.0", {}});
  Session loaded;
  const auto report = loadSession(loaded, path);
  EXPECT_EQ(loaded.selection().indices(), (std::vector<std::int64_t>{1}));
  ASSERT_EQ(report.notices.size(), 1u);
  EXPECT_NE(report.notices[0].find("2 item(s)"), std::string::npos) << report.notices[0];
  ASSERT_EQ(report.idsBySavedPosition.size(), 1u);
  EXPECT_EQ(report.idsBySavedPosition[0], loaded.entries().at(0).id);
}

}  // namespace
}  // namespace nl::io
