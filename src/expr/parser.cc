#include "expr/parser.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "expr/builtins.h"
#include "expr/grammar.h"
#include "expr/lexer.h"
#include "expr/source_error.h"

namespace tidal::expr::internal {

namespace {

NodePtr makeNode(NodeKind kind, uint32_t offset) {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  node->offset = offset;
  return node;
}

class Parser {
 public:
  Parser(std::string_view source, std::vector<Token> tokens)
      : source_(source), tokens_(std::move(tokens)) {}

  StatusOr<ParsedProgram> run() {
    if (current().kind == TokenKind::kEnd) {
      return errorAt(current(), "expression is empty");
    }
    TIDAL_ASSIGN_OR_RETURN(NodePtr root, parseExpression(0));
    if (current().kind != TokenKind::kEnd) {
      return unexpected(current());
    }
    ParsedProgram out;
    out.root = std::move(root);
    out.localCount = localCount_;
    out.variables.assign(variables_.begin(), variables_.end());
    return out;
  }

 private:
  // Counts parser recursion; see kMaxDepth.
  class DepthGuard {
   public:
    explicit DepthGuard(int& depth) : depth_(depth) { ++depth_; }
    ~DepthGuard() { --depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    int& depth_;
  };

  const Token& current() const { return tokens_[pos_]; }
  const Token& next() const { return tokens_[std::min(pos_ + 1, tokens_.size() - 1)]; }
  void advance() {
    if (pos_ + 1 < tokens_.size()) {
      ++pos_;
    }
  }

  Status errorAt(const Token& t, std::string_view message) const {
    return internal::errorAt(source_, t.offset, message);
  }
  Status errorAt(uint32_t offset, std::string_view message) const {
    return internal::errorAt(source_, offset, message);
  }

  Status unexpected(const Token& t) const {
    if (t.kind == TokenKind::kEnd) {
      return errorAt(t, "unexpected end of expression");
    }
    std::string text(t.text.substr(0, 24));
    if (t.text.size() > 24) {
      text += "...";
    }
    return errorAt(t, fmt::format("unexpected token \"{}\"", text));
  }

  Status expect(std::string_view op) {
    if (!current().isOperator(op)) {
      return unexpected(current());
    }
    advance();
    return Status::ok();
  }

  Status tooDeep(uint32_t offset) const {
    return errorAt(
        offset, fmt::format("expression is nested too deeply (the limit is {} levels)", kMaxDepth));
  }

  // Records the node's height and enforces the depth limit on the tree itself: a long chain such
  // as a+b+c+... builds a deep tree without deep parser recursion.
  StatusOr<NodePtr> finish(NodePtr node) {
    uint32_t tallest = 0;
    for (const NodePtr& child : node->children) {
      tallest = std::max(tallest, child->height);
    }
    node->height = tallest + 1;
    if (node->height > static_cast<uint32_t>(kMaxDepth)) {
      return tooDeep(node->offset);
    }
    return node;
  }

  StatusOr<NodePtr> parseExpression(int minPrecedence) {
    DepthGuard guard(depth_);
    if (depth_ > kMaxDepth) {
      return tooDeep(current().offset);
    }
    if (minPrecedence == 0 && current().isOperator("let")) {
      return parseLet();
    }

    TIDAL_ASSIGN_OR_RETURN(NodePtr left, parsePrimary());
    bool afterCoalesce = false;
    while (true) {
      const Token& opToken = current();
      std::optional<BinaryOperator> info = binaryOperatorAt(opToken, next());
      if (!info || info->precedence < minPrecedence) {
        break;
      }
      if (!info->supported) {
        return errorAt(opToken, fmt::format("operator \"{}\" is not supported", info->text));
      }
      const bool isCoalesce = !info->isCompare && info->op == BinaryOp::kCoalesce;
      if (afterCoalesce && !isCoalesce) {
        return errorAt(
            opToken, fmt::format("operator \"{}\" cannot be mixed with \"??\" without parentheses; "
                                 "write (a ?? b) {} c or a ?? (b {} c)",
                                 info->text, info->text, info->text));
      }
      if (info->isCompare) {
        TIDAL_ASSIGN_OR_RETURN(left, parseComparisons(std::move(left)));
        afterCoalesce = false;
        continue;
      }
      const uint32_t offset = opToken.offset;
      advance();
      TIDAL_ASSIGN_OR_RETURN(
          NodePtr right,
          parseExpression(info->rightAssociative ? info->precedence : info->precedence + 1));
      NodePtr node = makeNode(NodeKind::kBinary, offset);
      node->binaryOp = info->op;
      node->children.push_back(std::move(left));
      node->children.push_back(std::move(right));
      TIDAL_ASSIGN_OR_RETURN(left, finish(std::move(node)));
      afterCoalesce = isCoalesce;
    }
    if (minPrecedence == 0) {
      return parseConditional(std::move(left));
    }
    return left;
  }

  // let name = value; body
  StatusOr<NodePtr> parseLet() {
    const uint32_t offset = current().offset;
    advance();
    const Token& nameToken = current();
    if (nameToken.kind != TokenKind::kIdentifier || nameToken.text == "true" ||
        nameToken.text == "false" || nameToken.text == "nil") {
      return errorAt(nameToken, "expected a variable name after let");
    }
    std::string name(nameToken.text);
    advance();
    TIDAL_RETURN_IF_ERROR(expect("="));
    TIDAL_ASSIGN_OR_RETURN(NodePtr value, parseExpression(0));
    TIDAL_RETURN_IF_ERROR(expect(";"));
    const int slot = localCount_++;
    scopes_.emplace_back(name, slot);
    TIDAL_ASSIGN_OR_RETURN(NodePtr body, parseExpression(0));
    scopes_.pop_back();
    NodePtr node = makeNode(NodeKind::kLet, offset);
    node->name = std::move(name);
    node->slot = slot;
    node->children.push_back(std::move(value));
    node->children.push_back(std::move(body));
    return finish(std::move(node));
  }

  StatusOr<NodePtr> parseConditional(NodePtr condition) {
    while (current().isOperator("?")) {
      const uint32_t offset = current().offset;
      advance();
      if (current().isOperator(":")) {
        return errorAt(current(), "the short ternary \"?:\" is not supported; write c ? a : b");
      }
      TIDAL_ASSIGN_OR_RETURN(NodePtr whenTrue, parseExpression(0));
      TIDAL_RETURN_IF_ERROR(expect(":"));
      TIDAL_ASSIGN_OR_RETURN(NodePtr whenFalse, parseExpression(0));
      NodePtr node = makeNode(NodeKind::kConditional, offset);
      node->children.push_back(std::move(condition));
      node->children.push_back(std::move(whenTrue));
      node->children.push_back(std::move(whenFalse));
      TIDAL_ASSIGN_OR_RETURN(condition, finish(std::move(node)));
    }
    return condition;
  }

  // left op1 e1 op2 e2 ...: every operand is evaluated once; the chain means op1 && op2 && ...
  StatusOr<NodePtr> parseComparisons(NodePtr left) {
    NodePtr node = makeNode(NodeKind::kCompare, current().offset);
    node->children.push_back(std::move(left));
    while (true) {
      std::optional<BinaryOperator> info = binaryOperatorAt(current(), next());
      if (!info || !info->isCompare) {
        break;
      }
      node->compareOps.push_back(info->compareOp);
      node->compareOffsets.push_back(current().offset);
      for (int i = 0; i < info->tokenCount; ++i) {
        advance();
      }
      TIDAL_ASSIGN_OR_RETURN(NodePtr right, parseExpression(kComparePrecedence + 1));
      node->children.push_back(std::move(right));
    }
    return finish(std::move(node));
  }

  StatusOr<NodePtr> parsePrimary() {
    const Token& t = current();
    if (t.isOperator("!") || t.isOperator("not") || t.isOperator("-") || t.isOperator("+")) {
      const bool isNot = t.text == "!" || t.text == "not";
      NodePtr node = makeNode(NodeKind::kUnary, t.offset);
      node->unaryOp = isNot ? UnaryOp::kNot : (t.text == "-" ? UnaryOp::kNegate : UnaryOp::kPlus);
      advance();
      TIDAL_ASSIGN_OR_RETURN(NodePtr operand,
                             parseExpression(isNot ? kUnaryNotPrecedence : kUnarySignPrecedence));
      node->children.push_back(std::move(operand));
      TIDAL_ASSIGN_OR_RETURN(node, finish(std::move(node)));
      return parsePostfix(std::move(node));
    }
    if (t.isOperator("(")) {
      advance();
      TIDAL_ASSIGN_OR_RETURN(NodePtr inner, parseExpression(0));
      TIDAL_RETURN_IF_ERROR(expect(")"));
      return parsePostfix(std::move(inner));
    }
    if (t.kind == TokenKind::kPointer) {
      if (predicateDepth_ == 0) {
        return errorAt(t, "# can only be used inside a predicate, as in count(list, {# > 1})");
      }
      NodeKind kind;
      if (t.value.empty()) {
        kind = NodeKind::kElement;
      } else if (t.value == "index") {
        kind = NodeKind::kElementIndex;
      } else {
        return errorAt(
            t, fmt::format("unknown predicate variable \"#{}\" (use # or #index)", t.value));
      }
      NodePtr node = makeNode(kind, t.offset);
      advance();
      return parsePostfix(std::move(node));
    }
    return parseOperand();
  }

  StatusOr<NodePtr> parseOperand() {
    const Token& t = current();
    switch (t.kind) {
      case TokenKind::kIdentifier: {
        const uint32_t offset = t.offset;
        const std::string_view name = t.text;
        advance();
        if (name == "true" || name == "false" || name == "nil") {
          NodePtr node = makeNode(NodeKind::kLiteral, offset);
          node->literal = name == "nil" ? Value::nil() : Value::ofBool(name == "true");
          return node;
        }
        if (current().isOperator("(")) {
          TIDAL_ASSIGN_OR_RETURN(NodePtr call, parseCall(name, offset));
          return parsePostfix(std::move(call));
        }
        return parsePostfix(nameReference(name, offset));
      }
      case TokenKind::kNumber: {
        StatusOr<Value> value = decodeNumber(t.text);
        if (!value.isOk()) {
          return errorAt(t, value.status().message());
        }
        NodePtr node = makeNode(NodeKind::kLiteral, t.offset);
        node->literal = std::move(value).value();
        advance();
        return node;
      }
      case TokenKind::kString: {
        NodePtr node = makeNode(NodeKind::kLiteral, t.offset);
        node->literal = Value::ofString(t.value);
        advance();
        return parsePostfix(std::move(node));
      }
      case TokenKind::kOperator:
        if (t.isOperator("[")) {
          TIDAL_ASSIGN_OR_RETURN(NodePtr array, parseArray());
          return parsePostfix(std::move(array));
        }
        if (t.isOperator("{")) {
          return errorAt(t, "map literals are not supported ({ } only wraps a predicate)");
        }
        return unexpected(t);
      case TokenKind::kEnd:
      case TokenKind::kPointer:
        break;
    }
    return unexpected(t);
  }

  NodePtr nameReference(std::string_view name, uint32_t offset) {
    // The innermost (last) `let` of that name wins.
    const std::pair<std::string, int>* local = nullptr;
    for (const auto& scope : scopes_) {
      if (scope.first == name) {
        local = &scope;
      }
    }
    if (local != nullptr) {
      NodePtr node = makeNode(NodeKind::kLocal, offset);
      node->name = std::string(name);
      node->slot = local->second;
      return node;
    }
    NodePtr node = makeNode(NodeKind::kVariable, offset);
    node->name = std::string(name);
    variables_.insert(node->name);
    return node;
  }

  StatusOr<NodePtr> parsePostfix(NodePtr node) {
    while (true) {
      const Token& t = current();
      if (t.isOperator("[")) {
        const uint32_t offset = t.offset;
        advance();
        TIDAL_ASSIGN_OR_RETURN(NodePtr index, parseExpression(0));
        if (current().isOperator(":")) {
          return errorAt(current(), "slices are not supported");
        }
        TIDAL_RETURN_IF_ERROR(expect("]"));
        NodePtr indexed = makeNode(NodeKind::kIndex, offset);
        indexed->children.push_back(std::move(node));
        indexed->children.push_back(std::move(index));
        TIDAL_ASSIGN_OR_RETURN(node, finish(std::move(indexed)));
      } else if (t.isOperator(".") || t.isOperator("?.")) {
        return errorAt(t, "member access is not supported: formulas work on numbers, not objects");
      } else {
        return node;
      }
    }
  }

  StatusOr<NodePtr> parseArray() {
    NodePtr node = makeNode(NodeKind::kArray, current().offset);
    advance();
    while (!current().isOperator("]")) {
      if (!node->children.empty()) {
        TIDAL_RETURN_IF_ERROR(expect(","));
        if (current().isOperator("]")) {
          break;  // trailing comma
        }
      }
      TIDAL_ASSIGN_OR_RETURN(NodePtr element, parseExpression(0));
      node->children.push_back(std::move(element));
    }
    advance();
    return finish(std::move(node));
  }

  Status arityError(const BuiltinSpec& spec, uint32_t offset, size_t got) const {
    std::string expected;
    if (spec.predicate == PredicateArg::kRequired) {
      expected = "2 (an array and a predicate)";
    } else if (spec.predicate == PredicateArg::kOptional) {
      expected = "1 or 2 (an array and an optional predicate)";
    } else if (spec.maxArgs < 0) {
      expected = fmt::format("at least {}", spec.minArgs);
    } else {
      expected = std::to_string(spec.minArgs);
    }
    return errorAt(offset, fmt::format("wrong number of arguments for {}: expected {}, got {}",
                                       spec.name, expected, got));
  }

  // name(...): the current token is the "(".
  StatusOr<NodePtr> parseCall(std::string_view name, uint32_t offset) {
    const BuiltinSpec* spec = findBuiltin(name);
    if (spec == nullptr) {
      return errorAt(offset, fmt::format("unknown function \"{}\"", name));
    }
    NodePtr node = makeNode(NodeKind::kCall, offset);
    node->builtin = spec->id;
    node->name = std::string(name);
    advance();

    if (spec->predicate == PredicateArg::kNone) {
      while (!current().isOperator(")")) {
        if (!node->children.empty()) {
          TIDAL_RETURN_IF_ERROR(expect(","));
          if (current().isOperator(")")) {
            break;  // trailing comma
          }
        }
        TIDAL_ASSIGN_OR_RETURN(NodePtr arg, parseExpression(0));
        node->children.push_back(std::move(arg));
      }
      advance();
      const auto count = static_cast<int>(node->children.size());
      if (count < spec->minArgs || (spec->maxArgs >= 0 && count > spec->maxArgs)) {
        return arityError(*spec, offset, node->children.size());
      }
      return finish(std::move(node));
    }

    // A predicate builtin: (array) or (array, predicate), with an optional trailing comma.
    if (current().isOperator(")")) {
      return arityError(*spec, offset, 0);
    }
    TIDAL_ASSIGN_OR_RETURN(NodePtr collection, parseExpression(0));
    node->children.push_back(std::move(collection));
    if (current().isOperator(",") && !next().isOperator(")")) {
      advance();
      TIDAL_ASSIGN_OR_RETURN(NodePtr predicate, parsePredicate());
      node->children.push_back(std::move(predicate));
      node->hasPredicate = true;
      if (current().isOperator(",") && !next().isOperator(")")) {
        return arityError(*spec, offset, 3);
      }
    }
    if (current().isOperator(",")) {
      advance();
    }
    TIDAL_RETURN_IF_ERROR(expect(")"));
    if (spec->predicate == PredicateArg::kRequired && !node->hasPredicate) {
      return arityError(*spec, offset, 1);
    }
    return finish(std::move(node));
  }

  // {expr} or a bare expr; `#` refers to the element being tested.
  StatusOr<NodePtr> parsePredicate() {
    const bool braced = current().isOperator("{");
    if (braced) {
      advance();
    }
    ++predicateDepth_;
    StatusOr<NodePtr> body = parseExpression(0);
    --predicateDepth_;
    if (!body.isOk()) {
      return body.status();
    }
    if (braced) {
      TIDAL_RETURN_IF_ERROR(expect("}"));
    }
    return body;
  }

  std::string_view source_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int predicateDepth_ = 0;
  std::vector<std::pair<std::string, int>> scopes_;  // `let` names in scope and their slots
  int localCount_ = 0;
  std::set<std::string> variables_;
};

}  // namespace

StatusOr<ParsedProgram> parse(std::string_view source) {
  if (source.size() > kMaxSourceBytes) {
    return invalidArgument(fmt::format("expression is too long: {} bytes (the limit is {})",
                                       source.size(), kMaxSourceBytes));
  }
  TIDAL_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(source));
  return Parser(source, std::move(tokens)).run();
}

}  // namespace tidal::expr::internal
