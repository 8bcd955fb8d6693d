// Coupons (app/model.h CouponBatch, Coupon, CouponRedemption) on every Store
// backend: batches and their terms round-trip, codes are unique per program,
// pages by id and code, uses counted only while they count (confirmed, or
// pending and not expired), redemption upserts, per-program isolation,
// rollback.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/store.h"
#include "store_conformance/two_programs_fixture.h"
#include "support/backends.h"

namespace patron {
namespace {

using app::CommandWrite;
using app::Coupon;
using app::CouponBatch;
using app::CouponRedemption;
using testing::at;
using testing::kBackends;

class Coupons : public testing::TwoProgramsStore {
 protected:
  static CouponBatch batch(const std::string& program, const std::string& id) {
    CouponBatch b;
    b.program_id = program;
    b.id = id;
    b.name = "Welcome 滿千折百";
    b.terms.batch_id = id;
    b.terms.kind = checkout::CouponTerms::Kind::kPercent;
    b.terms.percent_bp = 1500;
    b.terms.max_discount = 300;
    b.terms.min_spend = 1000;
    b.terms.categories = {"tops", "shoes"};
    b.terms.skus = {"SKU-1"};
    b.terms.starts_at = at(10);
    b.terms.ends_at = at(1000);
    b.terms.limit_total = 100;
    b.terms.limit_per_member = 1;
    b.terms.stackable = false;
    b.count = 2;
    b.created_at = at(5);
    b.created_by = "cli";
    return b;
  }

  static CommandWrite batch_write(const CouponBatch& b, std::vector<std::string> codes) {
    CommandWrite w;
    w.program_id = b.program_id;
    w.coupon_batch = b;
    for (const std::string& code : codes) {
      w.coupons.push_back(Coupon{b.program_id, code, b.id, "", true, at(5)});
    }
    return w;
  }

  static CouponRedemption redemption(const std::string& code, const std::string& order,
                                     const std::string& member, const std::string& state,
                                     int64_t expires) {
    return CouponRedemption{"default", code, order, "vip", member, state, 100, at(20), at(expires)};
  }

  void redeem(std::vector<CouponRedemption> rows) {
    CommandWrite w;
    w.program_id = "default";
    w.coupon_redemptions = std::move(rows);
    write(w);
  }
};

TEST_P(Coupons, BatchesAndCodesRoundTripAndPage) {
  CouponBatch vip = batch("default", "vip");
  write(batch_write(vip, {"VIP-B", "VIP-A"}));
  CouponBatch shared = batch("default", "welcome");
  shared.terms.batch_id = "welcome";
  shared.terms.kind = checkout::CouponTerms::Kind::kFixed;
  shared.terms.percent_bp = 0;
  shared.terms.max_discount = 0;
  shared.terms.amount = 100;
  shared.terms.starts_at.reset();
  shared.shared_code = "WELCOME";
  shared.count = 1;
  write(batch_write(shared, {"WELCOME"}));
  auto found = store_->find_coupon_batch("default", "vip");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ(**found, vip);
  auto found_shared = store_->find_coupon_batch("default", "welcome");
  ASSERT_TRUE(found_shared && *found_shared);
  EXPECT_EQ(**found_shared, shared);
  auto page = store_->coupon_batches_page("default", {"", 1});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ(page->front().id, "vip");
  auto next = store_->coupon_batches_page("default", {"vip", 10});
  ASSERT_TRUE(next);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ(next->front().id, "welcome");
  auto codes = store_->coupons_page("default", "vip", {"", 10});
  ASSERT_TRUE(codes);
  ASSERT_EQ(codes->size(), 2u);
  EXPECT_EQ((*codes)[0].code, "VIP-A");
  EXPECT_EQ((*codes)[1].code, "VIP-B");
  auto code = store_->find_coupon("default", "VIP-B");
  ASSERT_TRUE(code && *code);
  EXPECT_EQ(**code, (Coupon{"default", "VIP-B", "vip", "", true, at(5)}));
  // Another program sees none of it.
  auto other = store_->find_coupon("other", "VIP-B");
  ASSERT_TRUE(other);
  EXPECT_FALSE(*other);
  auto other_batches = store_->coupon_batches_page("other", {"", 10});
  ASSERT_TRUE(other_batches);
  EXPECT_TRUE(other_batches->empty());
}

TEST_P(Coupons, ACodeIsUniqueInItsProgramAndAFailedWriteLeavesNothing) {
  write(batch_write(batch("default", "vip"), {"VIP-A"}));
  auto clash = try_write(batch_write(batch("default", "vip2"), {"VIP-C", "VIP-A"}));
  EXPECT_FALSE(clash);
  auto none = store_->find_coupon_batch("default", "vip2");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto c = store_->find_coupon("default", "VIP-C");
  ASSERT_TRUE(c);
  EXPECT_FALSE(*c);
  // The same code in another program is fine.
  EXPECT_TRUE(try_write(batch_write(batch("other", "vip"), {"VIP-A"})));
}

TEST_P(Coupons, UsesCountConfirmedAndUnexpiredPendingOnly) {
  write(batch_write(batch("default", "vip"), {"VIP-A", "VIP-B"}));
  redeem({redemption("VIP-A", "O1", "m1", "confirmed", 30),
          redemption("VIP-A", "O2", "m1", "pending", 100),
          redemption("VIP-B", "O3", "m2", "pending", 50),
          redemption("VIP-B", "O4", "m1", "released", 500)});
  auto at_40 = store_->coupon_uses("default", "VIP-A", "vip", "m1", at(40));
  ASSERT_TRUE(at_40);
  EXPECT_EQ(*at_40, (app::CouponUses{2, 3, 2}));
  auto at_60 = store_->coupon_uses("default", "VIP-B", "vip", "m2", at(60));
  ASSERT_TRUE(at_60);
  EXPECT_EQ(*at_60, (app::CouponUses{0, 2, 0}));  // O3 expired at 50
  // An upsert moves a row through its states.
  redeem({redemption("VIP-A", "O2", "m1", "released", 100)});
  auto later = store_->coupon_uses("default", "VIP-A", "vip", "m1", at(40));
  ASSERT_TRUE(later);
  EXPECT_EQ(*later, (app::CouponUses{1, 2, 1}));
  auto rows = store_->order_coupon_redemptions("default", "O2");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().state, "released");
  EXPECT_EQ(rows->front(), redemption("VIP-A", "O2", "m1", "released", 100));
  auto other = store_->coupon_uses("other", "VIP-A", "vip", "m1", at(40));
  ASSERT_TRUE(other);
  EXPECT_EQ(*other, (app::CouponUses{0, 0, 0}));
}

TEST_P(Coupons, ARedemptionOfAnUnknownCodeFails) {
  CommandWrite w;
  w.program_id = "default";
  w.coupon_redemptions = {redemption("NOPE", "O1", "m1", "pending", 100)};
  EXPECT_FALSE(try_write(w));
}

INSTANTIATE_TEST_SUITE_P(Backends, Coupons, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace patron
