#include "rules/referrals.h"

#include <algorithm>
#include <cctype>

namespace patron::rules {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string normalize_email(std::string_view email) {
  std::string s(trim(email));
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::size_t at = s.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == s.size()) return std::string();
  std::string local = s.substr(0, at);
  std::string domain = s.substr(at + 1);
  if (domain == "gmail.com" || domain == "googlemail.com") {
    domain = "gmail.com";
    if (std::size_t plus = local.find('+'); plus != std::string::npos) local.resize(plus);
    std::erase(local, '.');
  }
  return local + "@" + domain;
}

std::string normalize_phone(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.starts_with("886")) digits = "0" + digits.substr(3);
  if (digits.size() < 6) return std::string();
  return digits;
}

std::vector<std::string> referral_review_reasons(const ReferralRules& rules,
                                                 const ReferralParties& p) {
  std::vector<std::string> out;
  if (rules.review_same_contact) {
    std::string a = normalize_email(p.referrer_email);
    if (!a.empty() && a == normalize_email(p.referee_email)) out.emplace_back("same_email");
    std::string b = normalize_phone(p.referrer_phone);
    if (!b.empty() && b == normalize_phone(p.referee_phone)) out.emplace_back("same_phone");
  }
  if (rules.review_over_per_month > 0 && p.referrer_month >= rules.review_over_per_month) {
    out.emplace_back("referrer_limit_month");
  }
  if (rules.review_over_per_year > 0 && p.referrer_year >= rules.review_over_per_year) {
    out.emplace_back("referrer_limit_year");
  }
  return out;
}

}  // namespace patron::rules
