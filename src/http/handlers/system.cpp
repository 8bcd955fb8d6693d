#include "http/handlers/handlers.h"
#include "http/openapi.h"
#include "http/problem.h"

namespace patron::http::handlers {

void healthz(Api&, Call&& call) {
  call.respond(json_reply(R"({"status":"ok"})"));
}

// Ready while serving; not ready once shutdown began, so a load balancer
// stops sending new requests while in-flight ones finish.
void readyz(Api& api, Call&& call) {
  if (api.ready()) return call.respond(json_reply(R"({"status":"ready"})"));
  call.respond(problem(503, "shutting_down", "", "the server is shutting down"));
}

void metrics(Api& api, Call&& call) {
  Reply r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = api.metrics().render(api.writer().stats(), api.reader_queue());
  call.respond(std::move(r));
}

void openapi(Api&, Call&& call) {
  call.respond(json_reply(std::string(openapi_document())));
}

}  // namespace patron::http::handlers
