#pragma once
// Writing MATLAB level-5 files with libmatio for the reader tests.
#include <matio.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace nl::test {

// Column-major values, as MATLAB stores them.
inline matvar_t* matDouble(const char* name, std::vector<std::size_t> dims,
                           std::vector<double> columnMajor) {
  return Mat_VarCreate(name, MAT_C_DOUBLE, MAT_T_DOUBLE, static_cast<int>(dims.size()), dims.data(),
                       columnMajor.data(), 0);
}

inline matvar_t* matString(const char* name, const std::string& text) {
  std::size_t dims[2] = {1, text.size()};
  return Mat_VarCreate(name, MAT_C_CHAR, MAT_T_UINT8, 2, dims, const_cast<char*>(text.data()), 0);
}

inline matvar_t* matStringCell(const char* name, const std::vector<std::string>& strings) {
  std::size_t dims[2] = {1, strings.size()};
  matvar_t* cell = Mat_VarCreate(name, MAT_C_CELL, MAT_T_CELL, 2, dims, nullptr, 0);
  for (std::size_t i = 0; i < strings.size(); ++i)
    Mat_VarSetCell(cell, static_cast<int>(i), matString(nullptr, strings[i]));
  return cell;
}

// rsatoolbox-style struct array: fields RDM and name, one element per RDM.
inline matvar_t* matRdmStruct(const char* name, const std::vector<std::vector<std::size_t>>& dims,
                              const std::vector<std::vector<double>>& columnMajor,
                              const std::vector<std::string>& names) {
  const char* fields[2] = {"RDM", "name"};
  std::size_t structDims[2] = {1, names.size()};
  matvar_t* array = Mat_VarCreateStruct(name, 2, structDims, fields, 2);
  for (std::size_t i = 0; i < names.size(); ++i) {
    Mat_VarSetStructFieldByName(array, "RDM", i, matDouble(nullptr, dims[i], columnMajor[i]));
    Mat_VarSetStructFieldByName(array, "name", i, matString(nullptr, names[i]));
  }
  return array;
}

// Writes the variables (taking ownership) into a new level-5 file.
inline void writeMat(const std::filesystem::path& path, const std::vector<matvar_t*>& variables,
                     bool compressed) {
  mat_t* mat = Mat_CreateVer(path.string().c_str(), nullptr, MAT_FT_MAT5);
  if (mat == nullptr) throw std::runtime_error("cannot create " + path.string());
  for (matvar_t* v : variables) {
    Mat_VarWrite(mat, v, compressed ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE);
    Mat_VarFree(v);
  }
  Mat_Close(mat);
}

}  // namespace nl::test
