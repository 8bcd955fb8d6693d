// Runs the patron binary as a user would and captures what it printed.
#pragma once

#include <sys/wait.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace patron::testing {

struct Outcome {
  int code = -1;  // exit status; -1 when killed by a signal
  std::string out;
  std::string err;
  boost::json::value json() const { return boost::json::parse(out); }
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The last line of a command's output (`keys create` prints the key alone there).
inline std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t.substr(t.rfind('\n') + 1);
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `binary` `prefix...` `args...`, with stdout and stderr kept in files of `dir`.
inline Outcome run_patron(const std::string& binary, const TempDir& dir,
                          const std::vector<std::string>& prefix,
                          const std::vector<std::string>& args) {
  std::string command = binary;
  for (const auto& a : prefix) command += " " + shell_quote(a);
  for (const auto& a : args) command += " " + shell_quote(a);
  command += " >" + dir.file("out") + " 2>" + dir.file("err");
  int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir.file("out")),
          slurp(dir.file("err"))};
}

}  // namespace patron::testing
