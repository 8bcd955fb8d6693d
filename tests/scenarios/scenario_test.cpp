// Scenario files (tests/scenarios/*.scn, format in README.md) on every store
// backend: one test per file and backend, named FILE_BACKEND
// (Scenarios/ScenarioTest.Runs/earn_steps_boundary_sqlite).
//
// Files under pending/ describe what the docs promise and the program does
// not do yet; they are left out unless PATRON_SCENARIOS_PENDING=1 is set in
// the environment (then they run too, named pending_FILE_BACKEND).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "scenarios/scenario_runner.h"
#include "support/backends.h"

namespace patron {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".scn") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Paths as strings: gtest prints parameters, and a path is a range of paths.
std::vector<std::string> scenario_files() {
  fs::path root = PATRON_SCENARIOS;
  std::vector<fs::path> files = files_in(root);
  const char* pending = std::getenv("PATRON_SCENARIOS_PENDING");
  if (pending != nullptr && std::string(pending) == "1") {
    for (auto& f : files_in(root / "pending")) files.push_back(std::move(f));
  }
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.string());
  return out;
}

std::string test_name(const fs::path& file, const testing::Backend& backend) {
  std::string name = file.parent_path().filename() == "pending" ? "pending_" : "";
  for (char ch : file.stem().string()) {
    bool word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    name += word ? ch : '_';
  }
  return name + "_" + backend.name;
}

class ScenarioTest : public ::testing::TestWithParam<std::tuple<std::string, testing::Backend>> {};

TEST_P(ScenarioTest, Runs) {
  scenarios::run_scenario(fs::path(std::get<0>(GetParam())), std::get<1>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest,
                         ::testing::Combine(::testing::ValuesIn(scenario_files()),
                                            ::testing::ValuesIn(testing::kBackends)),
                         [](const auto& info) {
                           return test_name(fs::path(std::get<0>(info.param)),
                                            std::get<1>(info.param));
                         });

// A wrong PATRON_SCENARIOS or a moved folder must not pass as "no tests".
TEST(ScenarioFiles, AreFound) {
  EXPECT_GE(files_in(PATRON_SCENARIOS).size(), 30u) << "no scenarios in " << PATRON_SCENARIOS;
}

}  // namespace
}  // namespace patron
