// Parsing a program file in a test: the program it must give, or the error
// it must fail with (source "shop.toml", program "shop"); either expectation
// failing reports the text.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "config/program_file.h"

namespace patron {

inline app::Program parse_ok(const std::string& text) {
  auto p = config::parse_program(text, "shop.toml", "shop");
  EXPECT_TRUE(p) << p.error().field << ": " << p.error().message << "\n" << text;
  return p ? *p : app::Program{};
}

inline Error parse_error(const std::string& text) {
  auto p = config::parse_program(text, "shop.toml", "shop");
  EXPECT_FALSE(p) << "parsed: " << text;
  return p ? Error{} : p.error();
}

}  // namespace patron
