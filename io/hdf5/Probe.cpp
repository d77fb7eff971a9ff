// neuroloupe-h5probe FILE: reads every piece of HDF5 metadata a reader may
// touch — every object header, link, attribute (strings and variable-length
// data through the global heap), dataset layout, filter pipeline and chunk
// index (one element of every dataset) — and exits 0. libhdf5 1.10 does not
// validate all of these and can crash or loop on a corrupted file; running
// the walk here first, in its own process (io/hdf5/ProbeClient.cpp), turns
// that into an error message instead of a crashed app.
// Exit codes: 0 walked; 1 libhdf5 refused the file (the caller's own open
// reports why); 2 usage.
#include <fcntl.h>
#include <hdf5.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

constexpr hsize_t kMaxStringBytes = hsize_t{16} << 20;  // strings read whole up to this size
constexpr hsize_t kMaxAttributeBytes = hsize_t{64} << 20;

void readAttribute(hid_t attribute) {
  const hid_t type = H5Aget_type(attribute);
  const hid_t space = H5Aget_space(attribute);
  if (type < 0 || space < 0) {
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    return;
  }
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  const hid_t memType = H5Tget_native_type(type, H5T_DIR_ASCEND);
  const std::size_t size = memType >= 0 ? H5Tget_size(memType) : 0;
  if (points > 0 && size > 0 && static_cast<hsize_t>(points) * size <= kMaxAttributeBytes) {
    std::vector<unsigned char> buffer(static_cast<std::size_t>(points) * size);
    // Variable-length data and strings come from the global heap; reclaim
    // is a no-op for types without them.
    if (H5Aread(attribute, memType, buffer.data()) >= 0)
      H5Dvlen_reclaim(memType, space, H5P_DEFAULT, buffer.data());
  }
  if (memType >= 0) H5Tclose(memType);
  H5Sclose(space);
  H5Tclose(type);
}

herr_t onAttribute(hid_t location, const char* name, const H5A_info_t*, void*) {
  const hid_t attribute = H5Aopen(location, name, H5P_DEFAULT);
  if (attribute >= 0) {
    readAttribute(attribute);
    H5Aclose(attribute);
  }
  return 0;
}

void probeDataset(hid_t dataset) {
  const hid_t plist = H5Dget_create_plist(dataset);
  if (plist >= 0) {
    const int filters = H5Pget_nfilters(plist);
    for (int i = 0; i < filters; ++i) {
      unsigned flags = 0, config = 0;
      std::size_t elements = 8;
      unsigned values[8];
      char name[256];
      H5Pget_filter2(plist, static_cast<unsigned>(i), &flags, &elements, values, sizeof name, name,
                     &config);
    }
    const int external = H5Pget_external_count(plist);
    (void)external;
    H5Pclose(plist);
  }
  const hid_t type = H5Dget_type(dataset);
  const hid_t space = H5Dget_space(dataset);
  if (type < 0 || space < 0) {
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    return;
  }
  const int rank = H5Sget_simple_extent_ndims(space);
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  const hid_t memType = H5Tget_native_type(type, H5T_DIR_ASCEND);
  const std::size_t size = memType >= 0 ? H5Tget_size(memType) : 0;
  const bool strings = H5Tget_class(type) == H5T_STRING;
  if (memType >= 0 && points > 0 && size > 0 && rank >= 0 && rank <= H5S_MAX_RANK) {
    if (strings && static_cast<hsize_t>(points) * size <= kMaxStringBytes) {
      // Strings (NWB's tables of names and locations) read whole: that is
      // where global-heap corruption bites.
      std::vector<unsigned char> buffer(static_cast<std::size_t>(points) * size);
      if (H5Dread(dataset, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) >= 0)
        H5Dvlen_reclaim(memType, space, H5P_DEFAULT, buffer.data());
    }
  }
  // The chunk index, walked without reading any chunk (the data stay cold).
  if (const hid_t layout = H5Dget_create_plist(dataset); layout >= 0) {
    if (H5Pget_layout(layout) == H5D_CHUNKED) {
      hsize_t chunks = 0;
      H5Dget_num_chunks(dataset, H5S_ALL, &chunks);
      if (chunks > 0) {
        std::vector<hsize_t> offset(static_cast<std::size_t>(rank > 0 ? rank : 1));
        unsigned filterMask = 0;
        haddr_t address = 0;
        hsize_t bytes = 0;
        H5Dget_chunk_info(dataset, H5S_ALL, chunks - 1, offset.data(), &filterMask, &address,
                          &bytes);
      }
    }
    H5Pclose(layout);
  }
  if (memType >= 0) H5Tclose(memType);
  H5Sclose(space);
  H5Tclose(type);
}

herr_t onObject(hid_t file, const char* name, const H5O_info_t* info, void*) {
  const hid_t object = H5Oopen(file, name, H5P_DEFAULT);
  if (object < 0) return 0;
  H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, onAttribute, nullptr);
  if (info->type == H5O_TYPE_DATASET) probeDataset(object);
  H5Oclose(object);
  return 0;
}

herr_t onLink(hid_t group, const char* name, const H5L_info_t*, void*) {
  // Link messages (soft and external links included) are parsed here; the
  // targets of external links are not opened.
  H5L_info_t info;
  (void)H5Lget_info(group, name, &info, H5P_DEFAULT);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: neuroloupe-h5probe FILE\n");
    return 2;
  }
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t file = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return 1;
  // Metadata are scattered: no readahead of the data around them.
  if (void* handle = nullptr; H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) >= 0 && handle)
    ::posix_fadvise(*static_cast<int*>(handle), 0, 0, POSIX_FADV_RANDOM);
  H5Lvisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, onLink, nullptr);
  H5Ovisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, onObject, nullptr);
  H5Fclose(file);
  return 0;
}
