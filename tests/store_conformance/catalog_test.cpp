// Reward catalog redemptions (app/model.h RewardRedemption) and coupon batch
// upserts on every Store backend: a redemption round-trips, its upsert
// changes only state and refunded_at, pages newest first per member, counts
// by item, member and time (refunded ones left out), shares the redemption
// id sequence, stays in its program and goes with a rollback.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/store.h"
#include "store_conformance/two_programs_fixture.h"
#include "support/backends.h"

namespace patron {
namespace {

using app::CommandWrite;
using app::RewardRedemption;
using testing::at;
using testing::kBackends;

class Catalog : public testing::TwoProgramsStore {
 protected:
  // A redemption with every field set (a coupon, gift or credit item by kind).
  static RewardRedemption redemption(int64_t id, const std::string& member, const std::string& item,
                                     int64_t seconds) {
    RewardRedemption r;
    r.program_id = "default";
    r.id = id;
    r.member_id = member;
    r.item_id = item;
    r.kind = "credit";
    r.wallet = "points";
    r.price = 500;
    r.program_version = 3;
    r.credit_wallet = "credit";
    r.credit_amount = 500;
    r.lot_id = 1000 + id;
    r.state = "redeemed";
    r.at = at(seconds);
    return r;
  }

  static CommandWrite redemption_write(const RewardRedemption& r) {
    CommandWrite w;
    w.program_id = r.program_id;
    w.member_id = r.member_id;
    w.reward_redemption = r;
    return w;
  }

  void put(const RewardRedemption& r) { write(redemption_write(r)); }

  std::vector<int64_t> page_ids(const std::string& program, const std::string& member,
                                const std::string& after, std::size_t limit) {
    std::vector<int64_t> ids;
    auto page = store_->reward_redemptions_page(program, member, {after, limit});
    EXPECT_TRUE(page) << (page ? "" : page.error().message);
    if (page) {
      for (const RewardRedemption& r : *page) ids.push_back(r.id);
    }
    return ids;
  }

  int64_t count(const std::string& program, const std::string& item, const std::string& member,
                Instant since) {
    auto n = store_->count_reward_redemptions(program, item, member, since);
    EXPECT_TRUE(n) << (n ? "" : n.error().message);
    return n ? *n : -1;
  }

  static app::CouponBatch batch() {
    app::CouponBatch b;
    b.program_id = "default";
    b.id = "catalog_coupon_100";
    b.name = "NT$100 折價券";
    b.terms.batch_id = b.id;
    b.terms.kind = checkout::CouponTerms::Kind::kFixed;
    b.terms.amount = 100;
    b.terms.min_spend = 1000;
    b.terms.skus = {"SKU-1"};
    b.terms.starts_at = at(10);
    b.terms.ends_at = at(1000);
    b.terms.limit_total = 1;
    b.terms.limit_per_member = 1;
    b.count = 1;
    b.member_id = "m1";
    b.created_at = at(5);
    b.created_by = "cli";
    return b;
  }
};

TEST_P(Catalog, ARedemptionOfEachKindRoundTrips) {
  RewardRedemption coupon = redemption(7, "m1", "coupon_100", 20);
  coupon.kind = "coupon";
  coupon.price = 300;
  coupon.coupon_code = "CAT-7ABC";
  coupon.credit_wallet.clear();
  coupon.credit_amount = 0;
  coupon.lot_id = 0;
  RewardRedemption gift = redemption(8, "m1", "tote_bag", 30);
  gift.kind = "gift";
  gift.price = 800;
  gift.sku = "GIFT-TOTE";
  gift.credit_wallet.clear();
  gift.credit_amount = 0;
  gift.lot_id = 0;
  RewardRedemption credit = redemption(9, "m2", "credit_500", 40);
  for (const RewardRedemption& r : {coupon, gift, credit}) put(r);
  for (const RewardRedemption& r : {coupon, gift, credit}) {
    SCOPED_TRACE(r.kind);
    auto found = store_->find_reward_redemption("default", r.id);
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(*found);
    EXPECT_EQ(**found, r);
    EXPECT_FALSE((*found)->refunded_at);
  }
  auto missing = store_->find_reward_redemption("default", 10);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
  // Another program sees none of it.
  auto other = store_->find_reward_redemption("other", 9);
  ASSERT_TRUE(other);
  EXPECT_FALSE(*other);
  EXPECT_TRUE(page_ids("other", "m1", "", 10).empty());
  EXPECT_EQ(count("other", "credit_500", "", Instant::min()), 0);
}

TEST_P(Catalog, TheProgramOfTheWriteIsTheRedemptionsWhenItNamesNone) {
  RewardRedemption r = redemption(4, "m1", "tote_bag", 20);
  r.program_id.clear();
  CommandWrite w = redemption_write(r);
  w.program_id = "other";
  write(w);
  auto found = store_->find_reward_redemption("other", 4);
  ASSERT_TRUE(found && *found);
  r.program_id = "other";
  EXPECT_EQ(**found, r);
  auto in_default = store_->find_reward_redemption("default", 4);
  ASSERT_TRUE(in_default);
  EXPECT_FALSE(*in_default);
}

TEST_P(Catalog, AnUpsertChangesOnlyStateAndRefundedAt) {
  const RewardRedemption first = redemption(12, "m1", "credit_500", 20);
  put(first);
  RewardRedemption refund = first;
  refund.state = "refunded";
  refund.refunded_at = at(90);
  // Other fields written with it are ignored: the row keeps what was redeemed.
  refund.member_id = "m2";
  refund.item_id = "tote_bag";
  refund.kind = "gift";
  refund.wallet = "credit";
  refund.price = 1;
  refund.program_version = 9;
  refund.coupon_code = "X";
  refund.sku = "Y";
  refund.credit_wallet = "points";
  refund.credit_amount = 1;
  refund.lot_id = 1;
  refund.at = at(80);
  put(refund);
  auto found = store_->find_reward_redemption("default", 12);
  ASSERT_TRUE(found && *found);
  RewardRedemption expected = first;
  expected.state = "refunded";
  expected.refunded_at = at(90);
  EXPECT_EQ(**found, expected);
  ASSERT_TRUE((*found)->refunded_at);
  EXPECT_EQ(*(*found)->refunded_at, at(90));
  // Still one row, the member's.
  EXPECT_EQ(page_ids("default", "m1", "", 10), std::vector<int64_t>{12});
  EXPECT_TRUE(page_ids("default", "m2", "", 10).empty());
}

TEST_P(Catalog, PagesAreAMembersNewestFirst) {
  for (int64_t id : {1, 3, 5, 7}) put(redemption(id, "m1", "tote_bag", 10 * id));
  for (int64_t id : {2, 4, 6}) put(redemption(id, "m2", "tote_bag", 10 * id));
  EXPECT_EQ(page_ids("default", "m1", "", 2), (std::vector<int64_t>{7, 5}));
  EXPECT_EQ(page_ids("default", "m1", "5", 2), (std::vector<int64_t>{3, 1}));
  EXPECT_TRUE(page_ids("default", "m1", "1", 2).empty());
  EXPECT_EQ(page_ids("default", "m1", "4", 10), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(page_ids("default", "m2", "", 10), (std::vector<int64_t>{6, 4, 2}));
  EXPECT_EQ(page_ids("default", "m2", "6", 1), std::vector<int64_t>{4});
  // A limit of 0 gets the default page.
  EXPECT_EQ(page_ids("default", "m1", "", 0), (std::vector<int64_t>{7, 5, 3, 1}));
  EXPECT_TRUE(page_ids("default", "m3", "", 10).empty());
  // Refunded ones are listed too, with their state.
  RewardRedemption refund = redemption(5, "m1", "tote_bag", 50);
  refund.state = "refunded";
  refund.refunded_at = at(60);
  put(refund);
  auto page = store_->reward_redemptions_page("default", "m1", {"", 10});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 4u);
  EXPECT_EQ((*page)[1], refund);
  EXPECT_EQ((*page)[0], redemption(7, "m1", "tote_bag", 70));
  // The cursor is a decimal id.
  auto bad = store_->reward_redemptions_page("default", "m1", {"x7", 10});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(Catalog, CountsAreOfRedeemedByItemMemberAndTime) {
  put(redemption(1, "m1", "tote_bag", 10));
  put(redemption(2, "m1", "tote_bag", 20));
  put(redemption(3, "m2", "tote_bag", 30));
  put(redemption(4, "m1", "credit_500", 40));
  RewardRedemption refunded = redemption(5, "m1", "tote_bag", 50);
  put(refunded);
  EXPECT_EQ(count("default", "tote_bag", "", Instant::min()), 4);
  refunded.state = "refunded";
  refunded.refunded_at = at(55);
  put(refunded);
  // Stock: every member's, refunded ones left out.
  EXPECT_EQ(count("default", "tote_bag", "", Instant::min()), 3);
  // A member's.
  EXPECT_EQ(count("default", "tote_bag", "m1", Instant::min()), 2);
  EXPECT_EQ(count("default", "tote_bag", "m2", Instant::min()), 1);
  EXPECT_EQ(count("default", "tote_bag", "m3", Instant::min()), 0);
  // At or after `since`.
  EXPECT_EQ(count("default", "tote_bag", "", at(20)), 2);
  EXPECT_EQ(count("default", "tote_bag", "", at(21)), 1);
  EXPECT_EQ(count("default", "tote_bag", "m1", at(20)), 1);
  EXPECT_EQ(count("default", "tote_bag", "", at(31)), 0);
  EXPECT_EQ(count("default", "credit_500", "m1", at(40)), 1);
  EXPECT_EQ(count("default", "credit_500", "m2", Instant::min()), 0);
  EXPECT_EQ(count("default", "coupon_100", "", Instant::min()), 0);
}

TEST_P(Catalog, RedemptionIdsCountInTheRedemptionHighWater) {
  auto before = store_->id_high_water();
  ASSERT_TRUE(before);
  EXPECT_EQ(before->redemption, 0);
  put(redemption(41, "m1", "tote_bag", 10));
  put(redemption(17, "m2", "tote_bag", 20));
  auto after = store_->id_high_water();
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->redemption, 41);
  EXPECT_EQ(after->lot, before->lot);
  EXPECT_EQ(after->transfer, before->transfer);
  // A refund (an upsert) keeps it.
  RewardRedemption refund = redemption(41, "m1", "tote_bag", 10);
  refund.state = "refunded";
  refund.refunded_at = at(30);
  put(refund);
  auto later = store_->id_high_water();
  ASSERT_TRUE(later);
  EXPECT_EQ(later->redemption, 41);
  // The other program's redemptions count: ids are unique in the store.
  RewardRedemption other = redemption(50, "m1", "tote_bag", 10);
  other.program_id = "other";
  put(other);
  auto both = store_->id_high_water();
  ASSERT_TRUE(both);
  EXPECT_EQ(both->redemption, 50);
}

TEST_P(Catalog, ReadsInTheTransactionSeeItAndARollbackLeavesNothing) {
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->apply(redemption_write(redemption(3, "m1", "tote_bag", 10))));
  auto inside = store_->find_reward_redemption("default", 3);
  ASSERT_TRUE(inside);
  EXPECT_TRUE(*inside);
  EXPECT_EQ(count("default", "tote_bag", "m1", Instant::min()), 1);
  ASSERT_TRUE(store_->rollback());
  auto after = store_->find_reward_redemption("default", 3);
  ASSERT_TRUE(after);
  EXPECT_FALSE(*after);
  EXPECT_EQ(count("default", "tote_bag", "m1", Instant::min()), 0);
  EXPECT_TRUE(page_ids("default", "m1", "", 10).empty());
}

TEST_P(Catalog, AnotherConnectionSeesACommittedRedemption) {
  const RewardRedemption r = redemption(21, "m1", "credit_500", 20);
  put(r);
  auto reader = factory_->open();
  ASSERT_TRUE(reader) << reader.error().message;
  auto found = (*reader)->find_reward_redemption("default", 21);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ(**found, r);
  auto n = (*reader)->count_reward_redemptions("default", "credit_500", "m1", at(20));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
}

TEST_P(Catalog, AnUnknownStateOrKindOrAPriceOfZeroIsRefused) {
  // SQLite refuses them by CHECK constraints (migration 0008); a store that
  // took them would count a redemption the app could never have made.
  RewardRedemption state = redemption(1, "m1", "tote_bag", 10);
  state.state = "pending";
  RewardRedemption kind = redemption(2, "m1", "tote_bag", 10);
  kind.kind = "voucher";
  RewardRedemption price = redemption(3, "m1", "tote_bag", 10);
  price.price = 0;
  for (const RewardRedemption& r : {state, kind, price}) {
    SCOPED_TRACE(r.id);
    EXPECT_FALSE(try_write(redemption_write(r)));
  }
  EXPECT_EQ(count("default", "tote_bag", "m1", Instant::min()), 0);
  EXPECT_TRUE(page_ids("default", "m1", "", 10).empty());
}

TEST_P(Catalog, ACouponBatchUpsertChangesNameTermsAndCount) {
  const app::CouponBatch first = batch();
  CommandWrite w;
  w.program_id = "default";
  w.coupon_batch = first;
  w.coupons.push_back(app::Coupon{"default", "CAT-7ABC", first.id, "m1", true, at(5)});
  write(w);
  auto found = store_->find_coupon_batch("default", first.id);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ(**found, first);

  app::CouponBatch changed = first;
  changed.name = "NT$150 折價券";
  changed.terms.enabled = false;
  changed.terms.amount = 150;
  changed.terms.stackable = false;
  changed.terms.ends_at = at(2000);
  changed.count = 2;
  // Not changed by an upsert: who and when it was made, its shared code and member.
  changed.shared_code = "SHARED";
  changed.member_id = "m2";
  changed.created_at = at(500);
  changed.created_by = "key_1";
  CommandWrite again;
  again.program_id = "default";
  again.coupon_batch = changed;
  write(again);
  auto updated = store_->find_coupon_batch("default", first.id);
  ASSERT_TRUE(updated && *updated);
  app::CouponBatch expected = first;
  expected.name = changed.name;
  expected.terms = changed.terms;
  expected.count = 2;
  EXPECT_EQ(**updated, expected);
  EXPECT_FALSE((*updated)->terms.enabled);
  EXPECT_EQ((*updated)->count, 2);
  // The batch's codes stay.
  auto codes = store_->coupons_page("default", first.id, {"", 10});
  ASSERT_TRUE(codes);
  ASSERT_EQ(codes->size(), 1u);
  EXPECT_EQ(codes->front().code, "CAT-7ABC");
  auto page = store_->coupon_batches_page("default", {"", 10});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ(page->front(), expected);
}

INSTANTIATE_TEST_SUITE_P(Backends, Catalog, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace patron
