#include "core/text.h"

#include <gtest/gtest.h>

namespace patron {
namespace {

TEST(Text, ValidUtf8) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("購物金 £12.50 €"));
  EXPECT_TRUE(valid_utf8("\xF0\x9F\x8E\x81"));   // U+1F381
  EXPECT_FALSE(valid_utf8("caf\xE9"));           // Latin-1
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\xE8\xB3"));          // truncated
  EXPECT_FALSE(valid_utf8("\x80"));              // a continuation byte alone
}

TEST(Text, CheckTextNamesTheField) {
  EXPECT_TRUE(check_text("", "sku", false, 8));
  EXPECT_EQ(check_text("", "sku", true, 8).error().message, "is required");
  EXPECT_EQ(check_text("123456789", "sku", true, 8).error().field, "sku");
  EXPECT_EQ(check_text("a\tb", "sku", true, 8).error().message, "contains a control character");
  EXPECT_EQ(check_text("caf\xE9", "lines[0].sku", true, 8).error().field, "lines[0].sku");
  EXPECT_EQ(check_text("caf\xE9", "sku", true, 8).error().message, "is not valid UTF-8");
}

}  // namespace
}  // namespace patron
