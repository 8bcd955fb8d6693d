// A test fixture that runs the real patron binary on a SQLite file in a
// fresh temporary directory (PATRON_BINARY is set by tests/CMakeLists.txt).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "support/run_patron.h"
#include "support/temp_dir.h"

namespace patron::testing {

class CliTest : public ::testing::Test {
 protected:
  Outcome patron(const std::vector<std::string>& args) {
    return run_patron(PATRON_BINARY, dir_, {"--db", db()}, args);
  }
  Outcome ok(const std::vector<std::string>& args) {
    Outcome r = patron(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r;
  }
  std::string db() const { return dir_.file("patron.db"); }
  std::string write_file(const std::string& name, const std::string& text) {
    std::ofstream(dir_.file(name)) << text;
    return dir_.file(name);
  }
  boost::json::object credit(const std::string& member,
                             const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = extra;
    for (const char* a : {"--json", "member", "show"}) args.push_back(a);
    args.push_back(member);
    return ok(args).json().at("wallets").at("credit").as_object();
  }
  int64_t transfer_count(const std::string& member) {
    return static_cast<int64_t>(
        ok({"--json", "ledger", member}).json().at("transfers").as_array().size());
  }
  void expect_verified() {
    Outcome v = patron({"verify"});
    EXPECT_EQ(v.code, 0) << v.out << v.err;
    EXPECT_NE(v.out.find("ledger OK"), std::string::npos);
  }

  TempDir dir_;
};

}  // namespace patron::testing
