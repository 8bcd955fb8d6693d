// Analytics over HTTP (issue 8 item 9): the analyst's routes under
// /v1/analytics return the CLI's reports on a real server; only admin and
// analyst keys may read them; bad parameters are 400 naming the parameter.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/http_client.h"
#include "support/run_patron.h"
#include "support/temp_dir.h"

namespace patron {
namespace {

namespace json = boost::json;
using testing::Headers;
using testing::HttpClient;
using testing::last_line;
using testing::ServerProcess;

TEST(HttpServer, AnalyticsRoutesServeTheReportsToAnalysts) {
  testing::TempDir dir;
  std::string db = dir.file("analytics.db");
  auto cli = [&](std::vector<std::string> args) {
    return testing::run_patron(PATRON_BINARY, dir, {"--db", db}, args);
  };
  ASSERT_EQ(cli({"program", "apply", std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml"}).code,
            0);
  Headers analyst{
      {"Authorization", "Bearer " + last_line(cli({"keys", "create", "--role", "analyst"}).out)}};
  Headers backend{{"Authorization",
                   "Bearer " + last_line(cli({"keys", "create", "--role", "integration"}).out)}};
  ServerProcess server(PATRON_BINARY, db, dir.path().string(), {"--jobs-interval", "0"});
  HttpClient client(server.port());
  // a: two purchases (TEE + MUG together, then TEE); b: one (TEE + MUG); c: none.
  auto order = [&](const std::string& id, const std::string& member, const std::string& day,
                   const std::string& lines) {
    auto r = client.request("PUT", "/v1/orders/" + id,
                            R"({"member_id":")" + member + R"(","placed_at":")" + day +
                                R"(T12:00:00+08:00","lines":[)" + lines +
                                R"(],"events":[{"event":"paid"}]})",
                            backend);
    ASSERT_EQ(r.status, 201) << r.body;
  };
  const std::string tee =
      R"({"line_id":"1","sku":"TEE","category":"tops","quantity":1,"unit_price":600})";
  const std::string mug =
      R"({"line_id":"2","sku":"MUG","category":"home","quantity":1,"unit_price":400})";
  order("A-1", "a", "2026-10-02", tee + "," + mug);
  order("A-2", "a", "2026-10-20", tee);
  order("B-1", "b", "2026-10-05", tee + "," + mug);
  ASSERT_EQ(client.request("PUT", "/v1/members/c", "{}", backend).status, 201);

  auto kpis =
      client.request("GET", "/v1/analytics/kpis?from=2026-10-01&to=2026-10-31", "", analyst);
  ASSERT_EQ(kpis.status, 200) << kpis.body;
  json::value k = kpis.json();
  EXPECT_EQ(k.at("buyers").as_int64(), 2);
  EXPECT_EQ(k.at("repeat_buyers").as_int64(), 1);
  EXPECT_EQ(k.at("orders").as_int64(), 3);
  EXPECT_EQ(k.at("revenue").as_int64(), 1000 + 600 + 1000);
  EXPECT_DOUBLE_EQ(k.at("repurchase_rate").to_number<double>(), 0.5);
  // The same report as the CLI's.
  auto same = cli({"--json", "analytics", "kpis", "--from", "2026-10-01", "--to", "2026-10-31"});
  ASSERT_EQ(same.code, 0) << same.err;
  EXPECT_EQ(same.json(), k);

  auto rfm = client.request("GET", "/v1/analytics/rfm?as_of=2026-10-31", "", analyst);
  ASSERT_EQ(rfm.status, 200) << rfm.body;
  EXPECT_FALSE(rfm.json().as_object().contains("members")) << "per-member rows only when asked";
  auto rows = client.request("GET", "/v1/analytics/rfm?as_of=2026-10-31&members=true", "", analyst);
  EXPECT_EQ(rows.json().at("members").as_array().size(), 2u);

  // KPIs with the RFM segments from the same scan of the orders: the KPIs
  // as without, the segments those of /rfm as of the end of `to`; the CLI's
  // --rfm gives the same report.
  auto both = client.request("GET", "/v1/analytics/kpis?from=2026-10-01&to=2026-10-31&rfm=true", "",
                             analyst);
  ASSERT_EQ(both.status, 200) << both.body;
  json::object with_rfm = both.json().as_object();
  ASSERT_TRUE(with_rfm.contains("rfm")) << both.body;
  EXPECT_EQ(with_rfm.at("rfm").at("segments"), rfm.json().at("segments"));
  EXPECT_EQ(with_rfm.at("rfm").at("as_of"), rfm.json().at("as_of"));
  EXPECT_EQ(with_rfm.at("rfm").at("members").as_int64(), 2);
  with_rfm.erase("rfm");
  EXPECT_EQ(json::value(with_rfm), k);
  auto cli_both =
      cli({"--json", "analytics", "kpis", "--from", "2026-10-01", "--to", "2026-10-31", "--rfm"});
  ASSERT_EQ(cli_both.code, 0) << cli_both.err;
  EXPECT_EQ(cli_both.json(), both.json());
  auto text = cli({"analytics", "kpis", "--to", "2026-10-31", "--rfm"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("rfm as of " + std::string(rfm.json().at("as_of").as_string()) +
                          ": 2 members\n"),
            std::string::npos)
      << text.out;
  const json::value rfm_report = rfm.json();  // range-for keeps no temporary alive (GCC 12)
  for (const auto& s : rfm_report.at("segments").as_array()) {
    EXPECT_NE(text.out.find("  " + std::string(s.at("segment").as_string()) + ": "),
              std::string::npos)
        << text.out;
  }

  auto together = client.request("GET", "/v1/analytics/recommend?sku=TEE", "", analyst);
  ASSERT_EQ(together.status, 200) << together.body;
  EXPECT_EQ(together.json().at("items").at(0).at("sku").as_string(), "MUG");
  EXPECT_EQ(together.json().at("items").at(0).at("orders_together").as_int64(), 2);

  EXPECT_EQ(client.request("GET", "/v1/analytics/cohorts", "", analyst).status, 200);
  auto liability = client.request("GET", "/v1/analytics/liability?at=2026-11-30", "", analyst);
  ASSERT_EQ(liability.status, 200) << liability.body;
  EXPECT_TRUE(liability.json().at("wallets").as_object().contains("credit"));
  auto journal = client.request(
      "GET", "/v1/analytics/liability/journal?at=2026-11-30&from=2026-10-01&to=2026-11-30", "",
      analyst);
  ASSERT_EQ(journal.status, 200) << journal.body;
  EXPECT_EQ(journal.header("content-type").rfind("text/csv", 0), 0u);
  EXPECT_EQ(journal.body.rfind("month,wallet,", 0), 0u) << journal.body;

  // Only admin and analyst keys; bad parameters name themselves.
  EXPECT_EQ(client.request("GET", "/v1/analytics/kpis", "", backend).status, 403);
  struct Bad {
    std::string target;
    int status;
    std::string field;
  };
  for (const Bad& b : std::vector<Bad>{
           {"/v1/analytics/kpis?from=2026-13-01", 400, "from"},
           {"/v1/analytics/kpis?from=2026-11-01&to=2026-10-01", 400, "from"},
           {"/v1/analytics/kpis?churn_days=0", 400, "churn_days"},
           {"/v1/analytics/kpis?rfm=yes", 400, "rfm"},
           {"/v1/analytics/clv?horizon_weeks=10", 400, "calibration_end"},
           {"/v1/analytics/clv?calibration_end=2026-10-31", 400, "horizon_weeks"},
           {"/v1/analytics/recommend", 400, "sku"},
           {"/v1/analytics/recommend?sku=TEE&member_id=a", 400, "sku"},
           {"/v1/analytics/recommend?sku=TEE&limit=1000", 400, "limit"},
           {"/v1/analytics/uplift", 400, "campaign"},
           {"/v1/analytics/uplift?campaign=nope", 404, "campaign"},
           {"/v1/analytics/cohorts?by=week", 400, "by"},
       }) {
    SCOPED_TRACE(b.target);
    auto r = client.request("GET", b.target, "", analyst);
    EXPECT_EQ(r.status, b.status) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    if (r.status >= 400) {
      EXPECT_EQ(r.json().at("field").as_string(), b.field) << r.body;
    }
  }
}

}  // namespace
}  // namespace patron
