// Records the app keeps around the ledger: programs, their wallets, members,
// idempotency records. Plain values shared by the app and every store.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "ledger/policy.h"

namespace patron::app {

inline constexpr const char* kDefaultProgram = "default";

// A wallet's stored configuration is its ledger policy; `zone` stays null in
// storage and is filled in when the program is resolved (app/programs.h).
using WalletConfig = ledger::WalletPolicy;

struct Program {
  std::string id;
  std::string currency = "TWD";
  int minor_digits = 0;
  std::string time_zone = "Asia/Taipei";
  std::vector<WalletConfig> wallets;
  friend bool operator==(const Program&, const Program&) = default;
};

// The program every new database starts with: TWD, 0 minor digits, Asia/Taipei,
// wallets credit and points with Taiwan defaults.
Program default_program();

struct Member {
  std::string program_id;
  std::string id;  // the shop's customer id
  std::optional<std::chrono::year_month_day> birthday;
  std::string email;
  std::string phone;
  Instant created_at{};
  Instant updated_at{};
  friend bool operator==(const Member&, const Member&) = default;
};

struct IdempotencyRecord {
  std::string key;
  std::string request_hash;  // SHA-256 hex of the canonical request
  std::string response;      // the first response, JSON
  Instant created_at{};
  friend bool operator==(const IdempotencyRecord&, const IdempotencyRecord&) = default;
};

// The highest id of each kind in use; the writer continues from these.
struct IdHighWater {
  int64_t lot = 0;
  int64_t hold = 0;
  int64_t redemption = 0;
  int64_t journal = 0;
  int64_t transfer = 0;
};

// Where a hold lives, so a capture/release by hold id can load the right wallet.
struct HoldRef {
  std::string member_id;
  std::string wallet;
};

}  // namespace patron::app
