#pragma once
// A read-only numeric array in the type it was stored in (int16 stays int16),
// with the linear scaling the file asks for (NIfTI scl_slope / scl_inter)
// applied only when values are read out. The bytes live in a memory mapping
// of the file, in a vector decoded once (a .nii.gz, a byte-swapped file) or
// in a double array someone else owns; a shared owner keeps them alive, so
// slices handed out stay valid. Analyses read blocks of it as doubles
// (toDouble / gather) instead of widening a whole run
// (docs/VOLUMES_IN_MEMORY.md).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace nl::io {

enum class ScalarType : std::uint8_t {
  UInt8,
  Int8,
  UInt16,
  Int16,
  UInt32,
  Int32,
  UInt64,
  Int64,
  Float32,
  Float64,
};

// "uint8", "int16", "float32", … (numpy's names).
std::string_view scalarTypeName(ScalarType type);
std::size_t scalarSize(ScalarType type);
// The ScalarType of a C++ arithmetic type (static_assert on others).
template <class T>
constexpr ScalarType scalarTypeOf();

class TypedArray {
 public:
  TypedArray() = default;
  // `count` values of `type` at `data`, kept alive by `owner`; value i reads
  // as stored[i] · slope + inter.
  TypedArray(ScalarType type, const void* data, std::size_t count,
             std::shared_ptr<const void> owner, double slope = 1.0, double inter = 0.0);
  // Takes the vector over (no copy).
  template <class T>
  static TypedArray fromVector(std::vector<T> values, double slope = 1.0, double inter = 0.0);
  // A view of doubles owned by `owner` (e.g. an ArrayDataset's values()).
  static TypedArray viewOf(std::span<const double> values, std::shared_ptr<const void> owner);

  ScalarType type() const { return type_; }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::size_t storedBytes() const { return count_ * scalarSize(type_); }
  bool isScaled() const { return slope_ != 1.0 || inter_ != 0.0; }
  double slope() const { return slope_; }
  double inter() const { return inter_; }
  const void* data() const { return data_; }
  const std::shared_ptr<const void>& owner() const { return owner_; }

  // The stored values (no scaling). Throws std::logic_error for another type.
  template <class T>
  std::span<const T> stored() const;

  // Value i as a scaled double (bounds checked: std::out_of_range).
  double at(std::size_t i) const;
  // Values [begin, begin + count) as scaled doubles into out.
  void toDouble(std::size_t begin, std::size_t count, double* out) const;
  // out[j] = value(begin + j · stride) for j < count: a voxel's time course.
  void gather(std::size_t begin, std::size_t stride, std::size_t count, double* out) const;
  // out[j] = value(base + offsets[j]): chosen voxels of one volume.
  void gather(std::size_t base, std::span<const std::size_t> offsets, double* out) const;
  // Every value as doubles (the whole array: use only for small ones).
  std::vector<double> toDoubles() const;
  // [begin, begin + count) sharing the storage.
  TypedArray slice(std::size_t begin, std::size_t count) const;

 private:
  void requireRange(std::size_t begin, std::size_t count) const;

  ScalarType type_ = ScalarType::Float64;
  const void* data_ = nullptr;
  std::size_t count_ = 0;
  std::shared_ptr<const void> owner_;
  double slope_ = 1.0;
  double inter_ = 0.0;
};

// ------------------------------------------------------------- templates

template <class T>
constexpr ScalarType scalarTypeOf() {
  if constexpr (std::is_same_v<T, std::uint8_t>)
    return ScalarType::UInt8;
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return ScalarType::Int8;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return ScalarType::UInt16;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return ScalarType::Int16;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return ScalarType::UInt32;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return ScalarType::Int32;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return ScalarType::UInt64;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return ScalarType::Int64;
  else if constexpr (std::is_same_v<T, float>)
    return ScalarType::Float32;
  else {
    static_assert(std::is_same_v<T, double>, "TypedArray holds integers, float and double");
    return ScalarType::Float64;
  }
}

template <class T>
TypedArray TypedArray::fromVector(std::vector<T> values, double slope, double inter) {
  auto owned = std::make_shared<const std::vector<T>>(std::move(values));
  const auto* data = owned->data();
  const auto count = owned->size();
  return TypedArray(scalarTypeOf<T>(), data, count, std::move(owned), slope, inter);
}

template <class T>
std::span<const T> TypedArray::stored() const {
  if (scalarTypeOf<T>() != type_)
    throw std::logic_error("TypedArray holds " + std::string(scalarTypeName(type_)) + ", not " +
                           std::string(scalarTypeName(scalarTypeOf<T>())));
  return {static_cast<const T*>(data_), count_};
}

}  // namespace nl::io
