// The values that scaling-modifier expressions compute with, and the variables they read.
//
// A Value is exactly one of: nil, bool, int (64-bit, wrapping on overflow as Go's `int` does),
// float (IEEE-754 double), string, or array of Values. Values are immutable once built; copying a
// Value never allocates (strings and arrays are shared, reference-counted), so a program may pass
// them around freely while it evaluates.
//
// Bindings is where a running program looks up its free variables; Environment is the plain
// name -> Value map most callers want.
//
// Example:
//   Environment env{{"queue", Value::ofFloat(12.0)}, {"lag", Value::nil()}};
//   std::optional<Value> v = env.lookup("queue");  // float 12
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tidal::expr {

enum class ValueType { kNil, kBool, kInt, kFloat, kString, kArray };

// The name expr-lang's type() builtin gives each type: "nil", "bool", "int", "float", "string",
// "array". Used in every run-time type error, e.g. "invalid operation: bool + int".
std::string_view typeName(ValueType type);

class Value;
using Array = std::vector<Value>;

class Value {
 public:
  // nil.
  Value() = default;

  static Value nil() { return {}; }
  static Value ofBool(bool b);
  static Value ofInt(int64_t i);
  static Value ofFloat(double d);
  static Value ofString(std::string s);
  static Value ofArray(Array elements);

  ValueType type() const { return static_cast<ValueType>(data_.index()); }
  std::string_view typeName() const { return expr::typeName(type()); }

  bool isNil() const { return type() == ValueType::kNil; }
  bool isBool() const { return type() == ValueType::kBool; }
  bool isInt() const { return type() == ValueType::kInt; }
  bool isFloat() const { return type() == ValueType::kFloat; }
  // int or float.
  bool isNumber() const { return isInt() || isFloat(); }
  bool isString() const { return type() == ValueType::kString; }
  bool isArray() const { return type() == ValueType::kArray; }

  // Accessors. Each requires the matching is...() to be true (asserted in debug builds).
  bool asBool() const;
  int64_t asInt() const;
  double asFloat() const;
  const std::string& asString() const;
  const Array& asArray() const;

  // The numeric value as a double. Requires isNumber().
  double toDouble() const;

  // A readable rendering for messages and test output: nil, true, 42, 2.5, 3.0, "text", [1, nil].
  // Floats always show a decimal point or exponent so that 3 (int) and 3.0 (float) differ.
  std::string debugString() const;

  // Structural identity: same type and same contents (so int 1 != float 1.0, and NaN equals
  // NaN). This is for tests and caches; the language's `==` is expr::equals() in operators.h.
  friend bool operator==(const Value& a, const Value& b);

  // GoogleTest printer.
  friend void PrintTo(const Value& v, std::ostream* os) {  // NOLINT(readability-identifier-naming)
    *os << v.debugString();
  }

 private:
  // Alternative order must match ValueType.
  using Data = std::variant<std::monostate, bool, int64_t, double,
                            std::shared_ptr<const std::string>, std::shared_ptr<const Array>>;
  explicit Value(Data data) : data_(std::move(data)) {}

  Data data_;
};

// Where a running program finds the value of a free variable (a name that is not a builtin and not
// bound by `let`). Implementations must be safe to call from the thread that runs the program;
// Program::run never keeps a reference past its return.
class Bindings {
 public:
  virtual ~Bindings() = default;

  // The value bound to `name`, or nullopt when the name is not bound at all (the program then
  // fails with "unknown name <name>"). A name bound to nil returns Value::nil(), not nullopt.
  virtual std::optional<Value> lookup(std::string_view name) const = 0;
};

// A flat name -> Value map. Not synchronised: fill it, then share it read-only between runs.
class Environment final : public Bindings {
 public:
  Environment() = default;
  Environment(std::initializer_list<std::pair<std::string, Value>> values);

  // Binds `name` to `value`, replacing any earlier binding.
  void set(std::string name, Value value);

  // The bound value, or nullptr. The pointer is valid until the next set().
  const Value* find(std::string_view name) const;

  std::optional<Value> lookup(std::string_view name) const override;

  size_t size() const { return values_.size(); }

 private:
  std::map<std::string, Value, std::less<>> values_;
};

}  // namespace tidal::expr
