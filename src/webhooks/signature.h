// Webhook signatures: the Patron-Signature header that lets a receiver check
// that a delivery came from patron and was not altered or replayed late.
//
//   Patron-Signature: t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(secret, "<t>.<raw body>")>
//
// The timestamp is part of the signed text, so a captured delivery cannot be
// replayed outside the receiver's tolerance window. A header may carry several
// v1 entries (e.g. one per secret while a secret is being rotated); verify()
// accepts the header when any of them matches. Entries with other keys are
// ignored, so later schemes (v2=...) can be added alongside.
//
// Pure functions over OpenSSL's HMAC; thread safe; no I/O. Time is passed in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace patron::webhooks {

// The full header value for `body` signed with `secret` at `unix_seconds`.
std::string sign(std::string_view secret, int64_t unix_seconds, std::string_view body);

// Checks a Patron-Signature header value against `body`. Fails with
// kInvalidArgument (field "Patron-Signature") when the header is malformed
// (no t, t not a non-negative integer, no v1, an entry without '='), when
// |now - t| > tolerance_seconds, or when no v1 entry matches; the comparison
// is constant time.
Result<void> verify(std::string_view header, std::string_view secret, std::string_view body,
                    int64_t now_unix_seconds, int64_t tolerance_seconds = 300);

}  // namespace patron::webhooks
