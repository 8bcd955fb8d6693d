// The OpenAPI 3.1 document served at /v1/openapi.json: http/openapi.json,
// embedded at build time. tests/http checks it lists exactly the routes.
#pragma once

#include <string_view>

namespace patron::http {

std::string_view openapi_document();

}  // namespace patron::http
