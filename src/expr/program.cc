#include "expr/program.h"

#include "expr/ast.h"
#include "expr/evaluator.h"
#include "expr/parser.h"

namespace tidal::expr {

struct Program::Compiled {
  std::string source;
  internal::ParsedProgram parsed;
};

StatusOr<Program> Program::compile(std::string_view source) {
  TIDAL_ASSIGN_OR_RETURN(internal::ParsedProgram parsed, internal::parse(source));
  auto compiled = std::make_shared<Compiled>();
  compiled->source = std::string(source);
  compiled->parsed = std::move(parsed);
  return Program(std::move(compiled));
}

StatusOr<Value> Program::run(const Bindings& bindings) const {
  const internal::ParsedProgram& parsed = compiled_->parsed;
  return internal::evaluate(*parsed.root, compiled_->source, bindings, parsed.localCount);
}

const std::string& Program::source() const {
  return compiled_->source;
}

const std::vector<std::string>& Program::variables() const {
  return compiled_->parsed.variables;
}

}  // namespace tidal::expr
