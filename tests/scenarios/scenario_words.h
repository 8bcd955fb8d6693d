// The words of a scenario line (tests/scenarios/README.md) and the small
// helpers the runner and the checks share to read them. A line the runner
// cannot read is an Error with an empty field (the file's mistake, not the
// app's).
#pragma once

#include <charconv>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"

namespace patron::scenarios {

struct Line {
  std::size_t number = 0;          // 1-based, in the file
  std::string text;                // without the newline
  std::vector<std::string> words;  // split on blanks, up to a word starting with '#'
  bool indented = false;
  bool blank() const { return words.empty(); }  // empty or a comment
};

inline std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    if (w.front() == '#') break;
    words.push_back(std::move(w));
  }
  return words;
}

inline std::unexpected<Error> unreadable(std::string message) {
  return std::unexpected(Error{ErrorCode::kInvalidArgument, "", std::move(message)});
}

inline Result<int64_t> number(const std::string& text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return unreadable("expected a whole number, got '" + text + "'");
  }
  return value;
}

// The words of one command with a cursor: `key value` options in any order.
class Words {
 public:
  explicit Words(const std::vector<std::string>& words) : words_(words) {}
  bool done() const { return at_ >= words_.size(); }
  const std::string& peek() const { return done() ? empty_ : words_[at_]; }
  Result<std::string> next(const char* what) {
    if (done()) return unreadable(std::string("missing ") + what);
    return words_[at_++];
  }
  void skip_rest() { at_ = words_.size(); }
  Result<int64_t> next_number(const char* what) {
    auto w = next(what);
    if (!w) return std::unexpected(w.error());
    return number(*w);
  }

 private:
  const std::vector<std::string>& words_;
  std::size_t at_ = 0;
  std::string empty_;
};

// Binds `var` to the value of `expr`, or returns its error.
#define SCN_TRY(var, expr)                                         \
  auto var##_result = (expr);                                      \
  if (!var##_result) return std::unexpected(var##_result.error()); \
  auto var = std::move(*var##_result)

inline std::string describe(const Error& e) {
  return std::string(to_string(e.code)) + (e.field.empty() ? "" : " field " + e.field) + ": " +
         e.message;
}

}  // namespace patron::scenarios
