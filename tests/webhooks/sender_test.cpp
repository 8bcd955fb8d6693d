// The webhook sender against a loopback subscriber: what goes on the wire
// (headers, body, a signature the subscriber can verify), and one outcome per
// request, in order, for every way a delivery can fail.
#include "webhooks/sender.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include "support/webhook_receiver.h"
#include "webhooks/signature.h"

namespace patron::webhooks {
namespace {

using patron::testing::Received;
using patron::testing::Reply;
using patron::testing::WebhookReceiver;
using namespace std::chrono_literals;

constexpr int64_t kNow = 1700000000;

Request request(int64_t id, std::string url, std::string body = R"({"type":"member.created"})") {
  Request out;
  out.delivery_id = id;
  out.url = std::move(url);
  out.secret = "whsec_test";
  out.body = std::move(body);
  out.event_id = "evt_" + std::to_string(id);
  out.event_type = "member.created";
  return out;
}

Outcome send_one(Sender& sender, const Request& r) {
  std::vector<Outcome> outcomes = sender.send(std::span(&r, 1), kNow);
  EXPECT_EQ(outcomes.size(), 1u);
  return outcomes.empty() ? Outcome{} : outcomes.front();
}

// A loopback port nothing listens on: bound, read, then closed.
uint16_t unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST(WebhookSender, DeliversASignedPostWithTheEventHeaders) {
  WebhookReceiver receiver;
  Sender sender;
  Request r = request(7, receiver.url("/hooks/loyalty"), R"({"id":"evt_7","data":{"a":1}})");
  Outcome outcome = send_one(sender, r);
  EXPECT_TRUE(outcome.delivered) << outcome.error;
  EXPECT_EQ(outcome.delivery_id, 7);
  EXPECT_EQ(outcome.status, 200);
  EXPECT_EQ(outcome.error, "");
  EXPECT_GT(outcome.duration_us, 0);

  std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].path, "/hooks/loyalty");
  EXPECT_EQ(got[0].body, r.body);
  EXPECT_EQ(got[0].header("Content-Type"), "application/json");
  EXPECT_EQ(got[0].header("Patron-Event-Id"), "evt_7");
  EXPECT_EQ(got[0].header("Patron-Event-Type"), "member.created");
  EXPECT_EQ(got[0].header("User-Agent"), "patron-webhooks/1");
  EXPECT_EQ(got[0].header("Expect"), "");
  // The subscriber's side: the signature verifies with the shared secret only.
  std::string signature = got[0].header("Patron-Signature");
  EXPECT_TRUE(verify(signature, "whsec_test", got[0].body, kNow + 5).has_value());
  EXPECT_FALSE(verify(signature, "another", got[0].body, kNow).has_value());
  EXPECT_EQ(signature, sign("whsec_test", kNow, r.body));
}

TEST(WebhookSender, UsesTheConfiguredUserAgent) {
  WebhookReceiver receiver;
  SenderOptions options;
  options.user_agent = "patron-test/9";
  Sender sender(options);
  EXPECT_TRUE(send_one(sender, request(1, receiver.url("/"))).delivered);
  ASSERT_EQ(receiver.received().size(), 1u);
  EXPECT_EQ(receiver.received()[0].header("user-agent"), "patron-test/9");
}

TEST(WebhookSender, A503IsNotDelivered) {
  WebhookReceiver receiver;
  receiver.set_responder([](const Received&, std::size_t) {
    Reply reply;
    reply.status = 503;
    return reply;
  });
  Sender sender;
  Outcome outcome = send_one(sender, request(1, receiver.url("/")));
  EXPECT_FALSE(outcome.delivered);
  EXPECT_EQ(outcome.status, 503);
  EXPECT_NE(outcome.error.find("503"), std::string::npos) << outcome.error;
}

TEST(WebhookSender, ASlowSubscriberTimesOut) {
  WebhookReceiver receiver;
  receiver.set_responder([](const Received&, std::size_t) {
    Reply reply;
    reply.delay = 3s;
    return reply;
  });
  SenderOptions options;
  options.timeout = 300ms;
  Sender sender(options);
  Outcome outcome = send_one(sender, request(1, receiver.url("/")));
  EXPECT_FALSE(outcome.delivered);
  EXPECT_EQ(outcome.status, 0);
  EXPECT_EQ(outcome.error, "timeout");
  EXPECT_GE(outcome.duration_us, 250'000);
  EXPECT_LT(outcome.duration_us, 2'500'000);
}

TEST(WebhookSender, ARefusedConnectionIsAConnectError) {
  Sender sender;
  Outcome outcome =
      send_one(sender, request(3, "http://127.0.0.1:" + std::to_string(unused_port()) + "/"));
  EXPECT_FALSE(outcome.delivered);
  EXPECT_EQ(outcome.delivery_id, 3);
  EXPECT_EQ(outcome.status, 0);
  EXPECT_TRUE(outcome.error.starts_with("connect: ")) << outcome.error;
  EXPECT_LE(outcome.error.size(), kMaxErrorBytes);
}

TEST(WebhookSender, BadUrlsAreOutcomesNotCrashes) {
  Sender sender;
  std::vector<Request> requests;
  const std::vector<std::string> urls = {"not a url",
                                         "",
                                         "ftp://127.0.0.1/x",
                                         "example.com/hook",
                                         "http://",
                                         "http://exa mple.com/",
                                         "https://[::1/",
                                         std::string("http://a\0b", 10),
                                         "http://127.0.0.1:99999/"};
  for (const std::string& url : urls) {
    requests.push_back(request(static_cast<int64_t>(requests.size()), url));
  }
  std::vector<Outcome> outcomes = sender.send(requests, kNow);
  ASSERT_EQ(outcomes.size(), requests.size());
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    EXPECT_EQ(outcomes[i].delivery_id, static_cast<int64_t>(i));
    EXPECT_FALSE(outcomes[i].delivered) << requests[i].url;
    EXPECT_EQ(outcomes[i].status, 0);
    EXPECT_FALSE(outcomes[i].error.empty()) << requests[i].url;
    EXPECT_LE(outcomes[i].error.size(), kMaxErrorBytes);
  }
  EXPECT_TRUE(outcomes[0].error.starts_with("url: ")) << outcomes[0].error;
  EXPECT_TRUE(outcomes[2].error.starts_with("url: ")) << outcomes[2].error;
}

TEST(WebhookSender, HeaderValuesWithLineBreaksAreRefused) {
  WebhookReceiver receiver;
  Sender sender;
  Request r = request(1, receiver.url("/"));
  r.event_type = "member.created\r\nX-Injected: 1";
  Outcome outcome = send_one(sender, r);
  EXPECT_FALSE(outcome.delivered);
  EXPECT_TRUE(outcome.error.starts_with("header: ")) << outcome.error;
  EXPECT_TRUE(receiver.received().empty());
}

TEST(WebhookSender, RedirectsAreNotFollowed) {
  WebhookReceiver receiver;
  std::string elsewhere = receiver.url("/elsewhere");
  receiver.set_responder([&](const Received&, std::size_t) {
    Reply reply;
    reply.status = 302;
    reply.headers = {{"Location", elsewhere}};
    return reply;
  });
  Sender sender;
  Outcome outcome = send_one(sender, request(1, receiver.url("/hook")));
  EXPECT_FALSE(outcome.delivered);
  EXPECT_EQ(outcome.status, 302);
  EXPECT_NE(outcome.error.find("302"), std::string::npos) << outcome.error;
  ASSERT_EQ(receiver.received().size(), 1u);
  EXPECT_EQ(receiver.received()[0].path, "/hook");
}

TEST(WebhookSender, AHugeResponseIsCutOffAndStillCounts) {
  WebhookReceiver receiver;
  receiver.set_responder([](const Received&, std::size_t) {
    Reply reply;
    reply.body.assign(4 * 1024 * 1024, 'x');
    return reply;
  });
  Sender sender;
  Outcome outcome = send_one(sender, request(1, receiver.url("/")));
  EXPECT_TRUE(outcome.delivered) << outcome.error;
  EXPECT_EQ(outcome.status, 200);
}

TEST(WebhookSender, MixedOutcomesComeBackInRequestOrder) {
  WebhookReceiver receiver;
  receiver.set_responder([](const Received& r, std::size_t) {
    Reply reply;
    if (r.path == "/down") reply.status = 500;
    if (r.path == "/slow") reply.delay = 200ms;
    return reply;
  });
  Sender sender;
  std::vector<Request> requests = {request(10, receiver.url("/slow")),
                                   request(11, receiver.url("/down")), request(12, "bad url"),
                                   request(13, receiver.url("/ok"))};
  std::vector<Outcome> outcomes = sender.send(requests, kNow);
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_EQ(outcomes[0].delivery_id, 10);
  EXPECT_TRUE(outcomes[0].delivered);
  EXPECT_EQ(outcomes[1].delivery_id, 11);
  EXPECT_EQ(outcomes[1].status, 500);
  EXPECT_EQ(outcomes[2].delivery_id, 12);
  EXPECT_FALSE(outcomes[2].delivered);
  EXPECT_EQ(outcomes[3].delivery_id, 13);
  EXPECT_TRUE(outcomes[3].delivered);
  EXPECT_TRUE(sender.send({}, kNow).empty());
}

TEST(WebhookSender, FiveHundredRequestsSixteenAtATime) {
  WebhookReceiver receiver;
  SenderOptions options;
  options.max_in_flight = 16;
  Sender sender(options);
  std::vector<Request> requests;
  for (int64_t i = 0; i < 500; ++i) {
    requests.push_back(
        request(1000 + i, receiver.url("/bulk"), R"({"n":)" + std::to_string(i) + "}"));
  }
  std::vector<Outcome> outcomes = sender.send(requests, kNow);
  ASSERT_EQ(outcomes.size(), 500u);
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    EXPECT_EQ(outcomes[i].delivery_id, 1000 + static_cast<int64_t>(i));
    EXPECT_TRUE(outcomes[i].delivered) << i << ": " << outcomes[i].error;
  }
  std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 500u);
  std::set<std::string> ids;
  for (const Received& r : got) {
    ids.insert(r.header("patron-event-id"));
    EXPECT_TRUE(verify(r.header("patron-signature"), "whsec_test", r.body, kNow).has_value());
  }
  EXPECT_EQ(ids.size(), 500u);
  EXPECT_LE(receiver.connections(), 16u);
}

// An endpoint's limit holds while another endpoint's requests use the rest
// of the slots: slow answers would otherwise open a connection per request.
TEST(WebhookSender, AGroupLimitCapsOneEndpointOnly) {
  WebhookReceiver limited, open;
  for (WebhookReceiver* r : {&limited, &open}) {
    r->set_responder([](const Received&, std::size_t) {
      Reply reply;
      reply.delay = 20ms;
      return reply;
    });
  }
  SenderOptions options;
  options.max_in_flight = 16;
  Sender sender(options);
  std::vector<Request> requests;
  for (int64_t i = 0; i < 24; ++i) {
    Request r = request(i, (i % 2 == 0 ? limited : open).url("/"));
    if (i % 2 == 0) {
      r.group = "whk_limited";
      r.group_limit = 2;
    } else {
      r.group = "whk_open";
    }
    requests.push_back(std::move(r));
  }
  std::vector<Outcome> outcomes = sender.send(requests, kNow);
  for (const Outcome& o : outcomes) EXPECT_TRUE(o.delivered) << o.error;
  EXPECT_LE(limited.connections(), 2u);
  EXPECT_GT(open.connections(), 2u);  // the other group was not held to 2
}

TEST(WebhookSender, ReusesConnectionsAcrossCalls) {
  WebhookReceiver receiver;
  Sender sender;
  for (int64_t i = 0; i < 5; ++i) {
    EXPECT_TRUE(send_one(sender, request(i, receiver.url("/"))).delivered);
  }
  EXPECT_TRUE(receiver.wait_for(5, 1s));
  EXPECT_EQ(receiver.connections(), 1u);
}

}  // namespace
}  // namespace patron::webhooks
