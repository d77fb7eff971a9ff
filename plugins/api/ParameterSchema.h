#pragma once
// A plugin's parameters, declared once in its JSON manifest: names, types,
// ranges, defaults, units and help. The same schema builds the GUI form, the
// CLI flags and validates values from either. No Qt here.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace nl::plugins {

enum class ParamType { Integer, Real, Boolean, Text, Choice };
std::string_view paramTypeName(ParamType type);

using ParamValue = std::variant<std::int64_t, double, bool, std::string>;

// A value the user gave does not fit the schema; the message says which and why.
class ParameterError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ParamSpec {
  std::string name;                  // snake_case identifier, also the CLI flag (--name)
  std::vector<std::string> aliases;  // other names accepted from users (short CLI forms)
  std::string label;                 // for the form
  ParamType type = ParamType::Real;
  ParamValue defaultValue;
  std::optional<double> minimum, maximum;  // inclusive, numeric types only
  std::vector<std::string> choices;        // Choice only
  std::string unit;
  std::string help;

  // Parses text as typed by a user ("0.25", "true", "VISp"); throws ParameterError.
  ParamValue parse(const std::string& text) const;
  // Throws ParameterError when the value has the wrong type or is out of range.
  void validate(const ParamValue& value) const;
  std::string describeConstraint() const;  // "integer in [1, 100]", "one of a|b"
};

std::string formatValue(const ParamValue& value);
nlohmann::json valueToJson(const ParamValue& value);

class ParameterSet {
 public:
  void set(const std::string& name, ParamValue value) { values_[name] = std::move(value); }
  bool has(const std::string& name) const { return values_.contains(name); }
  const ParamValue& get(const std::string& name) const;
  std::int64_t integer(const std::string& name) const;
  double real(const std::string& name) const;  // accepts integers too
  bool boolean(const std::string& name) const;
  const std::string& text(const std::string& name) const;  // Text and Choice
  const std::map<std::string, ParamValue>& values() const { return values_; }
  nlohmann::json toJson() const;

 private:
  std::map<std::string, ParamValue> values_;
};

class ParameterSchema {
 public:
  ParameterSchema() = default;
  // From the manifest's "parameters" array; throws std::invalid_argument when
  // the schema itself is malformed (that is the plugin author's bug).
  static ParameterSchema fromJson(const nlohmann::json& parameters);
  nlohmann::json toJson() const;

  const std::vector<ParamSpec>& specs() const { return specs_; }
  // By name or alias.
  const ParamSpec* find(const std::string& name) const;
  ParameterSet defaults() const;
  // Defaults overridden by user text; unknown names and bad values throw
  // ParameterError.
  ParameterSet parse(const std::map<std::string, std::string>& text) const;
  // From JSON (a saved run); same checks.
  ParameterSet fromJsonValues(const nlohmann::json& values) const;
  void validate(const ParameterSet& set) const;

 private:
  std::vector<ParamSpec> specs_;
};

}  // namespace nl::plugins
