#include "expr/value.h"

#include <cassert>
#include <cmath>

#include <fmt/format.h>

namespace tidal::expr {

std::string_view typeName(ValueType type) {
  switch (type) {
    case ValueType::kNil:
      return "nil";
    case ValueType::kBool:
      return "bool";
    case ValueType::kInt:
      return "int";
    case ValueType::kFloat:
      return "float";
    case ValueType::kString:
      return "string";
    case ValueType::kArray:
      return "array";
  }
  return "unknown";
}

Value Value::ofBool(bool b) {
  return Value(Data(std::in_place_index<1>, b));
}
Value Value::ofInt(int64_t i) {
  return Value(Data(std::in_place_index<2>, i));
}
Value Value::ofFloat(double d) {
  return Value(Data(std::in_place_index<3>, d));
}

Value Value::ofString(std::string s) {
  return Value(Data(std::in_place_index<4>, std::make_shared<const std::string>(std::move(s))));
}

Value Value::ofArray(Array elements) {
  return Value(Data(std::in_place_index<5>, std::make_shared<const Array>(std::move(elements))));
}

bool Value::asBool() const {
  assert(isBool());
  return std::get<1>(data_);
}

int64_t Value::asInt() const {
  assert(isInt());
  return std::get<2>(data_);
}

double Value::asFloat() const {
  assert(isFloat());
  return std::get<3>(data_);
}

const std::string& Value::asString() const {
  assert(isString());
  return *std::get<4>(data_);
}

const Array& Value::asArray() const {
  assert(isArray());
  return *std::get<5>(data_);
}

double Value::toDouble() const {
  assert(isNumber());
  return isInt() ? static_cast<double>(asInt()) : asFloat();
}

namespace {

std::string floatString(double d) {
  if (std::isnan(d)) {
    return "NaN";
  }
  if (std::isinf(d)) {
    return d > 0 ? "+Inf" : "-Inf";
  }
  std::string s = fmt::format("{}", d);
  // Keep floats visibly distinct from ints.
  if (s.find_first_of(".e") == std::string::npos) {
    s += ".0";
  }
  return s;
}

}  // namespace

std::string Value::debugString() const {
  switch (type()) {
    case ValueType::kNil:
      return "nil";
    case ValueType::kBool:
      return asBool() ? "true" : "false";
    case ValueType::kInt:
      return std::to_string(asInt());
    case ValueType::kFloat:
      return floatString(asFloat());
    case ValueType::kString:
      return fmt::format("\"{}\"", asString());
    case ValueType::kArray: {
      std::string out = "[";
      const Array& elements = asArray();
      for (size_t i = 0; i < elements.size(); ++i) {
        if (i > 0) {
          out += ", ";
        }
        out += elements[i].debugString();
      }
      return out + "]";
    }
  }
  return "?";
}

bool operator==(const Value& a, const Value& b) {
  if (a.type() != b.type()) {
    return false;
  }
  switch (a.type()) {
    case ValueType::kNil:
      return true;
    case ValueType::kBool:
      return a.asBool() == b.asBool();
    case ValueType::kInt:
      return a.asInt() == b.asInt();
    case ValueType::kFloat:
      return a.asFloat() == b.asFloat() || (std::isnan(a.asFloat()) && std::isnan(b.asFloat()));
    case ValueType::kString:
      return a.asString() == b.asString();
    case ValueType::kArray:
      return a.asArray() == b.asArray();
  }
  return false;
}

Environment::Environment(std::initializer_list<std::pair<std::string, Value>> values) {
  for (const auto& [name, value] : values) {
    set(name, value);
  }
}

void Environment::set(std::string name, Value value) {
  values_.insert_or_assign(std::move(name), std::move(value));
}

const Value* Environment::find(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

std::optional<Value> Environment::lookup(std::string_view name) const {
  const Value* v = find(name);
  if (v == nullptr) {
    return std::nullopt;
  }
  return *v;
}

}  // namespace tidal::expr
