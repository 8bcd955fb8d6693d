// Errors as RFC 9457 problem documents (application/problem+json):
// {"type", "title", "status", "detail", "code", "field"}. `code` is stable
// (clients switch on it); `field` names the input at fault, when one is.
// The mapping from ErrorCode to HTTP status lives here and nowhere else.
#pragma once

#include <string>

#include "core/error.h"
#include "http/message.h"

namespace patron::http {

int status_for(ErrorCode code);

// A problem reply for an app error.
Reply problem(const Error& error);
// A problem reply for an HTTP-level error: code is a stable snake_case name
// (unauthorized, forbidden, no_route, method_not_allowed, malformed_target,
// malformed_request, body_too_large, headers_too_large,
// unsupported_media_type, overloaded, shutting_down). Malformed JSON is an
// invalid_argument naming the field "body".
Reply problem(int status, std::string code, std::string field, std::string detail);

}  // namespace patron::http
