#include "plugins/api/ParameterSchema.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

namespace nl::plugins {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  const auto end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

ParamType typeFromName(const std::string& name) {
  if (name == "int" || name == "integer") return ParamType::Integer;
  if (name == "double" || name == "real" || name == "float") return ParamType::Real;
  if (name == "bool" || name == "boolean") return ParamType::Boolean;
  if (name == "string" || name == "text") return ParamType::Text;
  if (name == "choice" || name == "enum") return ParamType::Choice;
  throw std::invalid_argument("unknown parameter type '" + name + "'");
}

std::string formatNumber(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

std::string_view paramTypeName(ParamType type) {
  switch (type) {
    case ParamType::Integer:
      return "integer";
    case ParamType::Real:
      return "real";
    case ParamType::Boolean:
      return "boolean";
    case ParamType::Text:
      return "text";
    case ParamType::Choice:
      return "choice";
  }
  return "unknown";
}

std::string formatValue(const ParamValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>)
          return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>)
          return v;
        else if constexpr (std::is_same_v<T, double>)
          return formatNumber(v);
        else
          return std::to_string(v);
      },
      value);
}

nlohmann::json valueToJson(const ParamValue& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

std::string ParamSpec::describeConstraint() const {
  std::string text(paramTypeName(type));
  if (type == ParamType::Choice) {
    text = "one of ";
    for (std::size_t i = 0; i < choices.size(); ++i) text += (i ? "|" : "") + choices[i];
    return text;
  }
  if (minimum || maximum)
    text += " in [" + (minimum ? formatNumber(*minimum) : "-inf") + ", " +
            (maximum ? formatNumber(*maximum) : "inf") + "]";
  return text;
}

ParamValue ParamSpec::parse(const std::string& raw) const {
  const std::string text = trim(raw);
  auto bad = [&]() -> ParameterError {
    return ParameterError("parameter '" + name + "': '" + raw + "' is not " + describeConstraint());
  };
  ParamValue value;
  switch (type) {
    case ParamType::Integer: {
      std::int64_t v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) throw bad();
      value = v;
      break;
    }
    case ParamType::Real: {
      double v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() ||
          !std::isfinite(v))
        throw bad();
      value = v;
      break;
    }
    case ParamType::Boolean: {
      const std::string l = lower(text);
      if (l == "true" || l == "1" || l == "yes" || l == "on")
        value = true;
      else if (l == "false" || l == "0" || l == "no" || l == "off")
        value = false;
      else
        throw bad();
      break;
    }
    case ParamType::Text:
    case ParamType::Choice:
      value = text;
      break;
  }
  validate(value);
  return value;
}

void ParamSpec::validate(const ParamValue& value) const {
  auto fail = [&](const std::string& why) {
    throw ParameterError("parameter '" + name + "': " + formatValue(value) + " " + why);
  };
  switch (type) {
    case ParamType::Integer:
    case ParamType::Real: {
      double number = 0;
      if (const auto* i = std::get_if<std::int64_t>(&value))
        number = static_cast<double>(*i);
      else if (const auto* d = std::get_if<double>(&value); d && type == ParamType::Real)
        number = *d;
      else
        fail("is not " + std::string(paramTypeName(type)));
      if (!std::isfinite(number)) fail("is not finite");
      if ((minimum && number < *minimum) || (maximum && number > *maximum))
        fail("is outside " + describeConstraint());
      break;
    }
    case ParamType::Boolean:
      if (!std::holds_alternative<bool>(value)) fail("is not true or false");
      break;
    case ParamType::Text:
      if (!std::holds_alternative<std::string>(value)) fail("is not text");
      break;
    case ParamType::Choice:
      if (!std::holds_alternative<std::string>(value) ||
          std::find(choices.begin(), choices.end(), std::get<std::string>(value)) == choices.end())
        fail("is not " + describeConstraint());
      break;
  }
}

const ParamValue& ParameterSet::get(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) throw ParameterError("parameter '" + name + "' is not set");
  return it->second;
}

std::int64_t ParameterSet::integer(const std::string& name) const {
  if (const auto* v = std::get_if<std::int64_t>(&get(name))) return *v;
  throw ParameterError("parameter '" + name + "' is not an integer");
}

double ParameterSet::real(const std::string& name) const {
  const auto& value = get(name);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  throw ParameterError("parameter '" + name + "' is not a number");
}

bool ParameterSet::boolean(const std::string& name) const {
  if (const auto* v = std::get_if<bool>(&get(name))) return *v;
  throw ParameterError("parameter '" + name + "' is not true/false");
}

const std::string& ParameterSet::text(const std::string& name) const {
  if (const auto* v = std::get_if<std::string>(&get(name))) return *v;
  throw ParameterError("parameter '" + name + "' is not text");
}

nlohmann::json ParameterSet::toJson() const {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [name, value] : values_) json[name] = valueToJson(value);
  return json;
}

ParameterSchema ParameterSchema::fromJson(const nlohmann::json& parameters) {
  ParameterSchema schema;
  if (parameters.is_null()) return schema;
  if (!parameters.is_array()) throw std::invalid_argument("'parameters' must be an array");
  for (const auto& item : parameters) {
    ParamSpec spec;
    try {
      spec.name = item.at("name").get<std::string>();
      if (spec.name.empty() ||
          !std::all_of(spec.name.begin(), spec.name.end(), [](unsigned char c) {
            return std::islower(c) || std::isdigit(c) || c == '_';
          }))
        throw std::invalid_argument("parameter name '" + spec.name + "' must be snake_case");
      if (schema.find(spec.name))
        throw std::invalid_argument("parameter '" + spec.name + "' declared twice");
      spec.aliases = item.value("aliases", std::vector<std::string>{});
      for (const auto& alias : spec.aliases)
        if (alias.empty() || alias == spec.name || schema.find(alias))
          throw std::invalid_argument("parameter '" + spec.name + "': alias '" + alias +
                                      "' is empty or names another parameter");
      spec.type = typeFromName(item.at("type").get<std::string>());
      spec.label = item.value("label", spec.name);
      spec.unit = item.value("unit", "");
      spec.help = item.value("help", "");
      if (item.contains("min")) spec.minimum = item["min"].get<double>();
      if (item.contains("max")) spec.maximum = item["max"].get<double>();
      if (item.contains("choices")) spec.choices = item["choices"].get<std::vector<std::string>>();
      if (spec.type == ParamType::Choice && spec.choices.empty())
        throw std::invalid_argument("choice parameter '" + spec.name + "' has no choices");
      const auto& def = item.at("default");
      switch (spec.type) {
        case ParamType::Integer:
          // nlohmann would silently turn a default of 1.5 into 1.
          if (!def.is_number_integer())
            throw std::invalid_argument("parameter '" + spec.name + "': default " + def.dump() +
                                        " is not an integer");
          spec.defaultValue = def.get<std::int64_t>();
          break;
        case ParamType::Real:
          if (!def.is_number())
            throw std::invalid_argument("parameter '" + spec.name + "': default " + def.dump() +
                                        " is not a number");
          spec.defaultValue = def.get<double>();
          break;
        case ParamType::Boolean:
          spec.defaultValue = def.get<bool>();
          break;
        default:
          spec.defaultValue = def.get<std::string>();
          break;
      }
      spec.validate(spec.defaultValue);
    } catch (const nlohmann::json::exception& error) {
      throw std::invalid_argument("parameter '" + spec.name + "': " + error.what());
    } catch (const ParameterError& error) {
      throw std::invalid_argument(std::string("default value: ") + error.what());
    }
    schema.specs_.push_back(std::move(spec));
  }
  return schema;
}

nlohmann::json ParameterSchema::toJson() const {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& s : specs_) {
    nlohmann::json item{{"name", s.name},
                        {"label", s.label},
                        {"type", std::string(paramTypeName(s.type))},
                        {"default", valueToJson(s.defaultValue)},
                        {"unit", s.unit},
                        {"help", s.help}};
    if (s.minimum) item["min"] = *s.minimum;
    if (s.maximum) item["max"] = *s.maximum;
    if (!s.choices.empty()) item["choices"] = s.choices;
    if (!s.aliases.empty()) item["aliases"] = s.aliases;
    array.push_back(std::move(item));
  }
  return array;
}

const ParamSpec* ParameterSchema::find(const std::string& name) const {
  for (const auto& spec : specs_)
    if (spec.name == name ||
        std::find(spec.aliases.begin(), spec.aliases.end(), name) != spec.aliases.end())
      return &spec;
  return nullptr;
}

ParameterSet ParameterSchema::defaults() const {
  ParameterSet set;
  for (const auto& spec : specs_) set.set(spec.name, spec.defaultValue);
  return set;
}

ParameterSet ParameterSchema::parse(const std::map<std::string, std::string>& text) const {
  ParameterSet set = defaults();
  std::map<std::string, std::string> givenAs;  // canonical name → the name the user typed
  for (const auto& [name, value] : text) {
    const ParamSpec* spec = find(name);
    if (!spec) {
      std::string known;
      for (const auto& s : specs_) known += (known.empty() ? "" : ", ") + s.name;
      throw ParameterError("unknown parameter '" + name +
                           "' (known: " + (known.empty() ? "none" : known) + ")");
    }
    if (const auto [it, fresh] = givenAs.emplace(spec->name, name); !fresh)
      throw ParameterError("parameter '" + spec->name + "' given twice (as '" + it->second +
                           "' and '" + name + "')");
    set.set(spec->name, spec->parse(value));
  }
  return set;
}

ParameterSet ParameterSchema::fromJsonValues(const nlohmann::json& values) const {
  ParameterSet set = defaults();
  if (!values.is_object()) throw ParameterError("parameters must be a JSON object");
  for (const auto& [name, value] : values.items()) {
    const ParamSpec* spec = find(name);
    if (!spec) throw ParameterError("unknown parameter '" + name + "'");
    if (value.is_string())
      set.set(spec->name, spec->parse(value.get<std::string>()));
    else
      set.set(spec->name, spec->parse(value.dump()));
  }
  return set;
}

void ParameterSchema::validate(const ParameterSet& set) const {
  for (const auto& spec : specs_) spec.validate(set.get(spec.name));
  for (const auto& [name, value] : set.values())
    if (!find(name)) throw ParameterError("unknown parameter '" + name + "'");
}

}  // namespace nl::plugins
