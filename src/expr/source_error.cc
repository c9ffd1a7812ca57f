#include "expr/source_error.h"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace tidal::expr::internal {

namespace {

// Lines longer than this many code points are shown as a window around the caret.
constexpr size_t kExcerptWidth = 80;

bool isContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

Status errorAt(std::string_view source, size_t offset, std::string_view message) {
  offset = std::min(offset, source.size());

  const size_t previousNewline =
      offset == 0 ? std::string_view::npos : source.rfind('\n', offset - 1);
  const size_t lineStart = previousNewline == std::string_view::npos ? 0 : previousNewline + 1;
  size_t lineEnd = source.find('\n', offset);
  if (lineEnd == std::string_view::npos) {
    lineEnd = source.size();
  }
  const size_t lineNumber = 1 + std::count(source.begin(), source.begin() + lineStart, '\n');
  const bool multiLine = source.find('\n') != std::string_view::npos;

  // Code point start offsets of the line, relative to the line start.
  std::string_view line = source.substr(lineStart, lineEnd - lineStart);
  std::vector<size_t> starts;
  for (size_t i = 0; i < line.size(); ++i) {
    if (!isContinuationByte(line[i])) {
      starts.push_back(i);
    }
  }
  const size_t caretIndex =
      std::lower_bound(starts.begin(), starts.end(), offset - lineStart) - starts.begin();

  std::string where = multiLine ? fmt::format("line {}, column {}", lineNumber, caretIndex + 1)
                                : fmt::format("column {}", caretIndex + 1);

  // Choose the window of code points [first, last) to show.
  size_t first = 0;
  size_t last = starts.size();
  if (starts.size() > kExcerptWidth) {
    first = caretIndex > kExcerptWidth / 2 ? caretIndex - kExcerptWidth / 2 : 0;
    last = std::min(starts.size(), first + kExcerptWidth);
    if (last - first < kExcerptWidth) {
      first = last - kExcerptWidth;
    }
  }
  auto byteAt = [&](size_t index) { return index < starts.size() ? starts[index] : line.size(); };
  std::string excerpt(line.substr(byteAt(first), byteAt(last) - byteAt(first)));
  std::string caret;
  if (first > 0) {
    excerpt.insert(0, "...");
    caret += "   ";
  }
  if (last < starts.size()) {
    excerpt += "...";
  }
  for (size_t i = first; i < caretIndex && i < last; ++i) {
    // Reuse tabs so the caret lines up however the terminal expands them.
    caret += line[starts[i]] == '\t' ? '\t' : ' ';
  }
  caret += '^';

  return invalidArgument(fmt::format("{} at {}\n | {}\n | {}", message, where, excerpt, caret));
}

}  // namespace tidal::expr::internal
