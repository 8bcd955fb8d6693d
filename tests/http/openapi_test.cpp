// The OpenAPI document (http/openapi.json, served at /v1/openapi.json)
// against the router's table: the same (method, path) pairs, the same
// permission per operation, public routes without security, an
// Idempotency-Key on every write, and no dangling $ref. Each check is a
// function returning the problems it found, so the mutation tests below can
// show that it catches the mistake it exists for.
#include "http/openapi.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app/keys.h"
#include "app/outbox.h"
#include "app/queries.h"
#include "http/api.h"

namespace {

namespace json = boost::json;
using patron::http::Route;
using Problems = std::vector<std::string>;

constexpr std::string_view kIdempotencyHeader = "Idempotency-Key";

json::value document() {
  boost::system::error_code ec;
  json::value doc = json::parse(patron::http::openapi_document(), ec);
  EXPECT_FALSE(ec) << "http/openapi.json is not valid JSON: " << ec.message();
  return doc;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string name_of(const Route& route) {
  return std::string(route.method) + " " + route.pattern;
}

// The operation object for a route, or nullptr.
const json::object* operation(const json::value& doc, const Route& route) {
  const json::object* paths =
      doc.as_object().if_contains("paths") ? doc.as_object().at("paths").if_object() : nullptr;
  if (paths == nullptr) return nullptr;
  const json::value* item = paths->if_contains(route.pattern);
  if (item == nullptr || !item->is_object()) return nullptr;
  const json::value* op = item->as_object().if_contains(lower(route.method));
  return op != nullptr ? op->if_object() : nullptr;
}

// Follows a local "$ref" ("#/components/..."); nullptr when it does not resolve.
const json::value* resolve(const json::value& doc, const json::value& maybe_ref) {
  const json::object* o = maybe_ref.if_object();
  if (o == nullptr || !o->contains("$ref")) return &maybe_ref;
  const json::string* ref = o->at("$ref").if_string();
  if (ref == nullptr || ref->empty() || ref->front() != '#') return nullptr;
  boost::system::error_code ec;
  const json::value* target = doc.find_pointer(json::string_view(*ref).substr(1), ec);
  return ec ? nullptr : target;
}

// Parameters of an operation and of its path item, $refs followed.
std::vector<const json::object*> parameters(const json::value& doc, const Route& route) {
  std::vector<const json::object*> out;
  auto collect = [&](const json::object& holder) {
    const json::value* list = holder.if_contains("parameters");
    if (list == nullptr || !list->is_array()) return;
    for (const json::value& p : list->as_array()) {
      const json::value* resolved = resolve(doc, p);
      if (resolved != nullptr && resolved->is_object()) out.push_back(&resolved->as_object());
    }
  };
  const json::value& item = doc.at("paths").at(route.pattern);
  collect(item.as_object());
  if (const json::object* op = operation(doc, route)) collect(*op);
  return out;
}

// (a) OpenAPI 3.1.x.
Problems check_version(const json::value& doc) {
  const json::object* root = doc.if_object();
  if (root == nullptr) return {"the document is not a JSON object"};
  const json::value* version = root->if_contains("openapi");
  if (version == nullptr || !version->is_string()) return {"no \"openapi\" version string"};
  std::string_view v = version->as_string();
  if (v.substr(0, 4) != "3.1.") return {"\"openapi\" is " + std::string(v) + ", not 3.1.x"};
  return {};
}

// (b) The (method, path) pairs of `paths` are exactly those of the route table.
Problems check_paths(const json::value& doc, const std::vector<Route>& routes) {
  static const std::set<std::string> kMethods = {"get",   "put",     "post", "delete",
                                                 "patch", "options", "head", "trace"};
  std::set<std::string> routed;
  for (const Route& r : routes) routed.insert(lower(r.method) + " " + r.pattern);
  std::set<std::string> documented;
  const json::value* paths = doc.as_object().if_contains("paths");
  if (paths == nullptr || !paths->is_object()) return {"no \"paths\" object"};
  for (const auto& [path, item] : paths->as_object()) {
    if (!item.is_object()) continue;
    for (const auto& [method, op] : item.as_object()) {
      if (kMethods.contains(std::string(method))) {
        documented.insert(std::string(method) + " " + std::string(path));
      }
    }
  }
  Problems out;
  for (const auto& r : routed) {
    if (!documented.contains(r)) out.push_back("missing from openapi.json: " + r);
  }
  for (const auto& d : documented) {
    if (!routed.contains(d)) out.push_back("in openapi.json but not in routes(): " + d);
  }
  return out;
}

// (c) x-permission is the route's permission string (null on public routes);
// public routes opt out of the global bearerAuth with `security: []`, the
// others do not.
Problems check_permissions(const json::value& doc, const std::vector<Route>& routes) {
  Problems out;
  const json::value* global = doc.as_object().if_contains("security");
  bool global_bearer = false;
  if (global != nullptr && global->is_array()) {
    for (const json::value& requirement : global->as_array()) {
      global_bearer = global_bearer ||
                      (requirement.is_object() && requirement.as_object().contains("bearerAuth"));
    }
  }
  if (!global_bearer) out.push_back("the global security does not require bearerAuth");
  for (const Route& r : routes) {
    const json::object* op = operation(doc, r);
    if (op == nullptr) continue;  // check_paths reports it
    const json::value* permission = op->if_contains("x-permission");
    const json::value* security = op->if_contains("security");
    bool opts_out = security != nullptr && security->is_array() && security->as_array().empty();
    if (permission == nullptr) {
      out.push_back(name_of(r) + ": no x-permission");
    } else if (r.permission) {
      std::string_view want = patron::app::to_string(*r.permission);
      if (!permission->is_string() || permission->as_string() != want) {
        out.push_back(name_of(r) + ": x-permission is " + json::serialize(*permission) +
                      ", the route needs \"" + std::string(want) + "\"");
      }
    } else if (!permission->is_null()) {
      out.push_back(name_of(r) + ": public route, x-permission should be null, is " +
                    json::serialize(*permission));
    }
    if (!r.permission && !opts_out) {
      out.push_back(name_of(r) + ": public route without \"security\": []");
    }
    if (r.permission && opts_out) {
      out.push_back(name_of(r) + ": needs " + std::string(patron::app::to_string(*r.permission)) +
                    " but says \"security\": []");
    }
  }
  return out;
}

// (d) Every POST and PUT declares the Idempotency-Key header parameter.
Problems check_idempotency(const json::value& doc, const std::vector<Route>& routes) {
  Problems out;
  for (const Route& r : routes) {
    std::string_view method = r.method;
    if (method != "POST" && method != "PUT") continue;
    if (operation(doc, r) == nullptr) continue;  // check_paths reports it
    bool declared = false;
    for (const json::object* p : parameters(doc, r)) {
      const json::value* in = p->if_contains("in");
      const json::value* name = p->if_contains("name");
      declared = declared || (in != nullptr && in->is_string() && in->as_string() == "header" &&
                              name != nullptr && name->is_string() &&
                              lower(name->as_string()) == lower(kIdempotencyHeader));
    }
    if (!declared) out.push_back(name_of(r) + ": no Idempotency-Key header parameter");
  }
  return out;
}

// Every {name} in a route's pattern is declared as a path parameter.
Problems check_path_parameters(const json::value& doc, const std::vector<Route>& routes) {
  Problems out;
  for (const Route& r : routes) {
    if (operation(doc, r) == nullptr) continue;  // check_paths reports it
    std::set<std::string> declared;
    for (const json::object* p : parameters(doc, r)) {
      const json::value* in = p->if_contains("in");
      const json::value* name = p->if_contains("name");
      if (in != nullptr && in->is_string() && in->as_string() == "path" && name != nullptr &&
          name->is_string()) {
        declared.insert(std::string(name->as_string()));
      }
    }
    std::string_view pattern = r.pattern;
    for (auto open = pattern.find('{'); open != std::string_view::npos;
         open = pattern.find('{', open + 1)) {
      std::string name(pattern.substr(open + 1, pattern.find('}', open) - open - 1));
      if (!declared.contains(name)) out.push_back(name_of(r) + ": path parameter " + name);
    }
  }
  return out;
}

// (e) Every "$ref" points inside the document, at something that exists.
Problems check_refs(const json::value& doc) {
  Problems out;
  std::function<void(const json::value&, const std::string&)> walk = [&](const json::value& v,
                                                                         const std::string& where) {
    if (const json::object* o = v.if_object()) {
      if (const json::value* ref = o->if_contains("$ref")) {
        if (resolve(doc, v) == nullptr) {
          out.push_back(where + ": $ref " + json::serialize(*ref) + " does not resolve");
        }
      }
      for (const auto& [key, child] : *o) walk(child, where + "/" + std::string(key));
    } else if (const json::array* a = v.if_array()) {
      for (std::size_t i = 0; i < a->size(); ++i) walk((*a)[i], where + "/" + std::to_string(i));
    }
  };
  walk(doc, "#");
  return out;
}

std::string report(const Problems& problems) {
  std::string text;
  for (const auto& p : problems) text += "\n  " + p;
  return text;
}

// Finds the operation of the first route matching `pred` in a mutable copy.
json::object& mutable_operation(json::value& doc, const Route& route) {
  return doc.at("paths").at(route.pattern).at(lower(route.method)).as_object();
}

const Route& first_route(bool (*pred)(const Route&)) {
  const auto& all = patron::http::routes();
  auto it = std::find_if(all.begin(), all.end(), pred);
  EXPECT_NE(it, all.end());
  return *it;
}

bool is_write(const Route& r) {
  return std::string_view(r.method) == "POST" || std::string_view(r.method) == "PUT";
}
bool is_public(const Route& r) {
  return !r.permission;
}
bool is_protected(const Route& r) {
  return r.permission.has_value();
}
bool has_path_parameter(const Route& r) {
  return std::string_view(r.pattern).find('{') != std::string_view::npos;
}

TEST(OpenApi, IsOpenApi31) {
  json::value doc = document();
  Problems problems = check_version(doc);
  EXPECT_TRUE(problems.empty()) << report(problems);
}

TEST(OpenApi, PathsAreExactlyTheRoutes) {
  ASSERT_FALSE(patron::http::routes().empty());
  json::value doc = document();
  Problems problems = check_paths(doc, patron::http::routes());
  EXPECT_TRUE(problems.empty()) << "router and openapi.json disagree:" << report(problems);
}

TEST(OpenApi, PermissionsAndSecurityMatchTheRoutes) {
  json::value doc = document();
  Problems problems = check_permissions(doc, patron::http::routes());
  EXPECT_TRUE(problems.empty()) << report(problems);
}

TEST(OpenApi, EveryWriteDeclaresIdempotencyKey) {
  json::value doc = document();
  Problems problems = check_idempotency(doc, patron::http::routes());
  EXPECT_TRUE(problems.empty()) << report(problems);
}

TEST(OpenApi, PathParametersAreDeclared) {
  json::value doc = document();
  Problems problems = check_path_parameters(doc, patron::http::routes());
  EXPECT_TRUE(problems.empty()) << report(problems);
}

TEST(OpenApi, EveryRefResolves) {
  json::value doc = document();
  Problems problems = check_refs(doc);
  EXPECT_TRUE(problems.empty()) << report(problems);
}

// The job names and event types the document lists are the app's own
// (app/queries.h kJobNames, app/outbox.h event_types): a job added there is
// run by the scheduler and accepted by POST /v1/jobs/runs, an event type by
// webhook filters, so the document must say so.
std::vector<std::string> enum_of(const json::value& doc, const char* schema, const char* field) {
  std::vector<std::string> out;
  for (const auto& v : doc.at("components")
                           .at("schemas")
                           .at(schema)
                           .at("properties")
                           .at(field)
                           .at("enum")
                           .as_array()) {
    out.emplace_back(v.as_string());
  }
  return out;
}

TEST(OpenApi, JobNamesAndEventTypesAreTheApps) {
  json::value doc = document();
  std::vector<std::string> jobs(patron::app::kJobNames.begin(), patron::app::kJobNames.end());
  EXPECT_EQ(enum_of(doc, "Job", "name"), jobs);
  jobs.push_back("all");
  EXPECT_EQ(enum_of(doc, "JobRunRequest", "job"), jobs);
  std::vector<std::string> types = enum_of(doc, "Event", "type");
  std::vector<std::string> expected = patron::app::event_types();
  std::sort(types.begin(), types.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(types, expected);
}

// The checks above must be able to fail: each mutation below breaks the
// document the way a forgetful edit would, and its check must notice.

TEST(OpenApiChecks, CatchWrongVersion) {
  json::value doc = document();
  doc.as_object()["openapi"] = "3.0.3";
  EXPECT_FALSE(check_version(doc).empty());
}

TEST(OpenApiChecks, CatchMissingAndExtraPaths) {
  const auto& routes = patron::http::routes();
  json::value doc = document();
  const Route& removed = routes.front();
  doc.at("paths").as_object().erase(removed.pattern);
  doc.at("paths").as_object()["/v1/not-routed"] = json::object{{"get", json::object{}}};
  Problems problems = check_paths(doc, routes);
  auto mentions = [&](std::string_view text) {
    return std::any_of(problems.begin(), problems.end(),
                       [&](const std::string& p) { return p.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(mentions(removed.pattern)) << report(problems);
  EXPECT_TRUE(mentions("/v1/not-routed")) << report(problems);
  // A method documented on the right path but not routed there is extra too.
  json::value other = document();
  other.at("paths").at(routes.front().pattern).as_object()["delete"] = json::object{};
  EXPECT_FALSE(check_paths(other, routes).empty());
}

TEST(OpenApiChecks, CatchWrongPermissionAndSecurity) {
  const auto& routes = patron::http::routes();
  const Route& guarded = first_route(is_protected);
  const Route& open = first_route(is_public);

  json::value wrong = document();
  mutable_operation(wrong, guarded)["x-permission"] = "not-a-permission";
  EXPECT_FALSE(check_permissions(wrong, routes).empty());

  json::value missing = document();
  mutable_operation(missing, guarded).erase("x-permission");
  EXPECT_FALSE(check_permissions(missing, routes).empty());

  json::value unguarded = document();
  mutable_operation(unguarded, guarded)["security"] = json::array{};
  EXPECT_FALSE(check_permissions(unguarded, routes).empty());

  json::value closed = document();
  mutable_operation(closed, open).erase("security");
  EXPECT_FALSE(check_permissions(closed, routes).empty());

  json::value no_global = document();
  no_global.as_object().erase("security");
  EXPECT_FALSE(check_permissions(no_global, routes).empty());
}

TEST(OpenApiChecks, CatchWriteWithoutIdempotencyKey) {
  const Route& write = first_route(is_write);
  json::value doc = document();
  json::object& op = mutable_operation(doc, write);
  json::array kept;
  if (const json::value* list = op.if_contains("parameters")) {
    for (const json::value& p : list->as_array()) {
      const json::value* target = resolve(doc, p);
      if (target == nullptr || !target->is_object() ||
          lower(target->as_object().at("name").as_string()) != lower(kIdempotencyHeader)) {
        kept.push_back(p);
      }
    }
  }
  op["parameters"] = std::move(kept);
  Problems problems = check_idempotency(doc, patron::http::routes());
  EXPECT_TRUE(std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
    return p.find(name_of(write)) != std::string::npos;
  })) << report(problems);
}

TEST(OpenApiChecks, CatchUndeclaredPathParameter) {
  const Route& templated = first_route(has_path_parameter);
  json::value doc = document();
  mutable_operation(doc, templated)["parameters"] = json::array{};
  EXPECT_FALSE(check_path_parameters(doc, patron::http::routes()).empty());
}

TEST(OpenApiChecks, CatchDanglingRefs) {
  json::value doc = document();
  json::object& schemas = doc.at("components").at("schemas").as_object();
  ASSERT_TRUE(schemas.contains("Problem"));
  schemas.erase("Problem");
  EXPECT_FALSE(check_refs(doc).empty());

  json::value external = document();
  mutable_operation(external, first_route(is_public))["x-extra"] =
      json::object{{"$ref", "other.json#/components/schemas/Problem"}};
  EXPECT_FALSE(check_refs(external).empty());
}

}  // namespace
