#pragma once
#include "io/ReaderRegistry.h"

namespace nl::io::readers {

// MATLAB .mat files through libmatio (level 5, compressed or not; 7.3 when
// libmatio was built with HDF5). What becomes a dataset:
// - a real numeric matrix or N-d array: an Array in C order (MATLAB stores
//   columns first; shape keeps MATLAB's dimension order), a 1 × k or k × 1
//   vector 1-D; a square, symmetric matrix whose diagonal entries are each
//   their row's minimum (an RDM) or all their row's maximum (an RSM) gets
//   rdm=1;
// - an n × n × k numeric array of symmetric slices: k RDMs ("var(:,:,i)"),
//   named from a cell array of k strings in the same file when there is
//   exactly one such cell array;
// - a struct array with a field named RDM/rdm/RDMs (rsatoolbox's demo data):
//   one RDM per element, square or condensed (n(n−1)/2 entries, SciPy order)
//   → Array {n, n} with rdm=1, named by the element's "name" field; other
//   structs: each numeric field of each element ("var(i).field");
// - a cell array: its numeric cells ("var{i}"); a cell array of strings
//   becomes a one-column Table;
// - char arrays go into the file metadata.
// Every dataset carries attribute "name". FILE.mat::var selects one
// variable (all its datasets), FILE.mat::var(i) / var{i} one element, or
// FILE.mat::NAME the RDM named NAME.
class MatReader final : public FileReader {
 public:
  std::string name() const override { return "MATLAB .mat"; }
  std::vector<std::string> extensions() const override { return {".mat"}; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::readers
