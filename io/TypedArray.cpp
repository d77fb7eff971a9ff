#include "io/TypedArray.h"

#include <algorithm>

namespace nl::io {

std::string_view scalarTypeName(ScalarType type) {
  switch (type) {
    case ScalarType::UInt8:
      return "uint8";
    case ScalarType::Int8:
      return "int8";
    case ScalarType::UInt16:
      return "uint16";
    case ScalarType::Int16:
      return "int16";
    case ScalarType::UInt32:
      return "uint32";
    case ScalarType::Int32:
      return "int32";
    case ScalarType::UInt64:
      return "uint64";
    case ScalarType::Int64:
      return "int64";
    case ScalarType::Float32:
      return "float32";
    case ScalarType::Float64:
      return "float64";
  }
  return "?";
}

std::size_t scalarSize(ScalarType type) {
  switch (type) {
    case ScalarType::UInt8:
    case ScalarType::Int8:
      return 1;
    case ScalarType::UInt16:
    case ScalarType::Int16:
      return 2;
    case ScalarType::UInt32:
    case ScalarType::Int32:
    case ScalarType::Float32:
      return 4;
    case ScalarType::UInt64:
    case ScalarType::Int64:
    case ScalarType::Float64:
      return 8;
  }
  return 1;
}

namespace {

// Calls f(pointer-to-T) for the array's stored type.
template <class F>
decltype(auto) dispatch(ScalarType type, const void* data, F&& f) {
  switch (type) {
    case ScalarType::UInt8:
      return f(static_cast<const std::uint8_t*>(data));
    case ScalarType::Int8:
      return f(static_cast<const std::int8_t*>(data));
    case ScalarType::UInt16:
      return f(static_cast<const std::uint16_t*>(data));
    case ScalarType::Int16:
      return f(static_cast<const std::int16_t*>(data));
    case ScalarType::UInt32:
      return f(static_cast<const std::uint32_t*>(data));
    case ScalarType::Int32:
      return f(static_cast<const std::int32_t*>(data));
    case ScalarType::UInt64:
      return f(static_cast<const std::uint64_t*>(data));
    case ScalarType::Int64:
      return f(static_cast<const std::int64_t*>(data));
    case ScalarType::Float32:
      return f(static_cast<const float*>(data));
    case ScalarType::Float64:
      break;
  }
  return f(static_cast<const double*>(data));
}

}  // namespace

TypedArray::TypedArray(ScalarType type, const void* data, std::size_t count,
                       std::shared_ptr<const void> owner, double slope, double inter)
    : type_(type),
      data_(data),
      count_(count),
      owner_(std::move(owner)),
      slope_(slope),
      inter_(inter) {
  if (data_ == nullptr && count_ > 0) throw std::invalid_argument("TypedArray: no data");
}

TypedArray TypedArray::viewOf(std::span<const double> values, std::shared_ptr<const void> owner) {
  return TypedArray(ScalarType::Float64, values.data(), values.size(), std::move(owner));
}

void TypedArray::requireRange(std::size_t begin, std::size_t count) const {
  if (begin > count_ || count > count_ - begin)
    throw std::out_of_range("TypedArray: values [" + std::to_string(begin) + ", " +
                            std::to_string(begin + count) + ") of " + std::to_string(count_));
}

double TypedArray::at(std::size_t i) const {
  requireRange(i, 1);
  const double stored =
      dispatch(type_, data_, [i](const auto* p) { return static_cast<double>(p[i]); });
  return isScaled() ? stored * slope_ + inter_ : stored;
}

void TypedArray::toDouble(std::size_t begin, std::size_t count, double* out) const {
  requireRange(begin, count);
  const double slope = slope_, inter = inter_;
  const bool scaled = isScaled();
  dispatch(type_, data_, [&](const auto* p) {
    p += begin;
    if (scaled)
      for (std::size_t j = 0; j < count; ++j) out[j] = static_cast<double>(p[j]) * slope + inter;
    else
      for (std::size_t j = 0; j < count; ++j) out[j] = static_cast<double>(p[j]);
  });
}

void TypedArray::gather(std::size_t begin, std::size_t stride, std::size_t count,
                        double* out) const {
  if (count == 0) return;
  if (stride == 0) throw std::invalid_argument("TypedArray::gather: stride 0");
  requireRange(begin, (count - 1) * stride + 1);
  const double slope = slope_, inter = inter_;
  const bool scaled = isScaled();
  dispatch(type_, data_, [&](const auto* p) {
    p += begin;
    for (std::size_t j = 0; j < count; ++j) {
      const double v = static_cast<double>(p[j * stride]);
      out[j] = scaled ? v * slope + inter : v;
    }
  });
}

void TypedArray::gather(std::size_t base, std::span<const std::size_t> offsets, double* out) const {
  if (offsets.empty()) return;
  const std::size_t largest = *std::max_element(offsets.begin(), offsets.end());
  requireRange(base, largest + 1);
  const double slope = slope_, inter = inter_;
  const bool scaled = isScaled();
  dispatch(type_, data_, [&](const auto* p) {
    p += base;
    for (std::size_t j = 0; j < offsets.size(); ++j) {
      const double v = static_cast<double>(p[offsets[j]]);
      out[j] = scaled ? v * slope + inter : v;
    }
  });
}

std::vector<double> TypedArray::toDoubles() const {
  std::vector<double> out(count_);
  toDouble(0, count_, out.data());
  return out;
}

TypedArray TypedArray::slice(std::size_t begin, std::size_t count) const {
  requireRange(begin, count);
  const auto* bytes = static_cast<const unsigned char*>(data_) + begin * scalarSize(type_);
  return TypedArray(type_, bytes, count, owner_, slope_, inter_);
}

}  // namespace nl::io
