// patron webhooks create|list|update|deliveries|replay, patron events, and
// patron deliver: the outbox and its webhooks from the command line
// (docs/webhooks.md).
#include "app/webhooks.h"

#include <boost/json.hpp>
#include <iostream>
#include <sstream>

#include "app/json_codec.h"
#include "app/outbox.h"
#include "cli/context.h"
#include "core/limits.h"
#include "webhooks/worker.h"

namespace patron::cli {

namespace json = boost::json;

namespace {

constexpr int kOk = 0;

struct WebhookOptions {
  std::string id, url, secret, events, key, state, member, after;
  int64_t max_in_flight = 8;
  std::optional<int64_t> set_in_flight;
  bool enable = false, disable = false, messages = false, no_messages = false;
  int64_t delivery_id = 0;
  std::size_t limit = 50;
  int64_t max_attempts = 8;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Result<void> check_limit(std::size_t limit) {
  if (limit < 1 || limit > limits::kPageSizeMax) {
    return fail(ErrorCode::kInvalidArgument, "--limit", "must be 1 to 500");
  }
  return {};
}

void print_webhook(const json::object& w) {
  std::cout << w.at("id").as_string().c_str() << "  " << w.at("url").as_string().c_str() << "  "
            << (w.at("enabled").as_bool() ? "enabled" : "disabled") << "  events";
  for (const auto& e : w.at("events").as_array()) std::cout << " " << e.as_string().c_str();
  std::cout << "  max_in_flight " << w.at("max_in_flight").as_int64();
  if (w.at("messages").as_bool()) std::cout << "  messages";
  std::cout << "\n";
}

int print(Context& ctx, const json::object& out, void (*text)(const json::object&)) {
  if (ctx.json_output) {
    std::cout << app::pretty(out) << "\n";
  } else {
    text(out);
  }
  return kOk;
}

}  // namespace

void add_webhook_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action) {
  static WebhookOptions o;
  auto* hooks = cli.add_subcommand("webhooks", "where the program's events are POSTed (signed)")
                    ->require_subcommand(1);

  auto* create = hooks->add_subcommand("create", "register an endpoint");
  create->add_option("--url", o.url, "http:// or https:// URL")->required();
  create->add_option("--secret", o.secret, "signing secret, 16 to 256 characters")->required();
  create->add_option("--events", o.events, "comma-separated types: *, credit.*, tier.upgraded")
      ->default_str("*");
  create->add_option("--max-in-flight", o.max_in_flight, "deliveries to it at once (1-64)")
      ->capture_default_str();
  create->add_flag("--messages", o.messages,
                   "a message provider: only events with a ready message, when it may be sent");
  create->add_option("--key", o.key, "idempotency key");
  create->callback([&] {
    action = [&]() -> Result<int> {
      auto id = app::make_webhook_id();
      if (!id) return std::unexpected(id.error());
      app::WebhookEndpoint e;
      e.id = *id;
      e.url = o.url;
      e.secret = o.secret;
      e.events = split_list(o.events.empty() ? "*" : o.events);
      e.max_in_flight = o.max_in_flight;
      e.messages = o.messages;
      auto r = ctx.writer->execute(ctx.command("", "", o.key, app::CreateWebhook{std::move(e)}));
      if (!r) return std::unexpected(r.error());
      return print(ctx, json::parse(r->json).as_object(), print_webhook);
    };
  });

  auto* list = hooks->add_subcommand("list", "the program's endpoints (never their secrets)");
  list->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      auto all = ctx.reader->webhook_endpoints(ctx.program_id);
      if (!all) return std::unexpected(all.error());
      json::array out;
      for (const auto& e : *all) out.emplace_back(app::webhook_json(e));
      if (ctx.json_output) {
        std::cout << app::pretty(json::object{{"webhooks", out}}) << "\n";
      } else {
        if (out.empty()) std::cout << "no webhooks\n";
        for (const auto& w : out) print_webhook(w.as_object());
      }
      return kOk;
    };
  });

  auto* update = hooks->add_subcommand("update", "change an endpoint");
  update->add_option("ID", o.id, "webhook id (whk_...)")->required();
  update->add_option("--url", o.url, "new URL");
  update->add_option("--secret", o.secret, "new signing secret");
  update->add_option("--events", o.events, "new comma-separated types");
  update->add_option("--max-in-flight", o.set_in_flight, "deliveries to it at once (1-64)");
  update->add_flag("--enable", o.enable, "deliver again (events from now on)");
  update->add_flag("--disable", o.disable, "stop delivering");
  update->add_flag("--messages", o.messages, "make it a message provider");
  update->add_flag("--no-messages", o.no_messages, "make it an endpoint for every event again");
  update->add_option("--key", o.key, "idempotency key");
  update->callback([&] {
    action = [&]() -> Result<int> {
      if (o.enable && o.disable) {
        return fail(ErrorCode::kInvalidArgument, "--enable", "cannot be given with --disable");
      }
      app::UpdateWebhook u;
      u.id = o.id;
      if (!o.url.empty()) u.url = o.url;
      if (!o.secret.empty()) u.secret = o.secret;
      if (!o.events.empty()) u.events = split_list(o.events);
      if (o.enable || o.disable) u.enabled = o.enable;
      if (o.messages && o.no_messages) {
        return fail(ErrorCode::kInvalidArgument, "--messages",
                    "cannot be given with --no-messages");
      }
      if (o.messages || o.no_messages) u.messages = o.messages;
      u.max_in_flight = o.set_in_flight;
      auto r = ctx.writer->execute(ctx.command("", "", o.key, std::move(u)));
      if (!r) return std::unexpected(r.error());
      return print(ctx, json::parse(r->json).as_object(), print_webhook);
    };
  });

  auto* deliveries =
      hooks->add_subcommand("deliveries", "an endpoint's delivery log, newest first");
  deliveries->add_option("ID", o.id, "webhook id (whk_...)")->required();
  deliveries->add_option("--state", o.state, "pending, delivered or dead");
  deliveries->add_option("--after", o.after, "cursor: the last delivery id of the previous page");
  deliveries->add_option("--limit", o.limit, "rows (at most 500)")->capture_default_str();
  deliveries->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      if (!o.state.empty() && o.state != "pending" && o.state != "delivered" && o.state != "dead") {
        return fail(ErrorCode::kInvalidArgument, "--state", "must be pending, delivered or dead");
      }
      if (auto ok = check_limit(o.limit); !ok) return std::unexpected(ok.error());
      if (auto known = app::find_webhook(*ctx.reader, ctx.program_id, o.id); !known) {
        return std::unexpected(known.error());
      }
      auto rows = ctx.reader->deliveries_page(ctx.program_id, o.id, o.state, {o.after, o.limit});
      if (!rows) return std::unexpected(rows.error());
      json::array out;
      for (const auto& d : *rows) out.emplace_back(app::delivery_json(d));
      if (ctx.json_output) {
        json::value next = rows->size() == o.limit && !rows->empty()
                               ? json::value(std::to_string(rows->back().id))
                               : json::value(nullptr);
        std::cout << app::pretty(json::object{{"deliveries", out}, {"next_cursor", next}}) << "\n";
        return kOk;
      }
      if (out.empty()) std::cout << "no deliveries\n";
      for (const auto& v : out) {
        const json::object& d = v.as_object();
        std::cout << d.at("id").as_int64() << "  " << d.at("event_id").as_string().c_str() << "  "
                  << d.at("event_type").as_string().c_str() << "  "
                  << d.at("state").as_string().c_str() << "  attempts "
                  << d.at("attempts").as_int64();
        if (!d.at("last_error").as_string().empty()) {
          std::cout << "  " << d.at("last_error").as_string().c_str();
        } else if (d.at("last_status").as_int64() != 0) {
          std::cout << "  http " << d.at("last_status");
        }
        std::cout << "\n";
      }
      return kOk;
    };
  });

  auto* replay = hooks->add_subcommand(
      "replay", "send again: one delivery (--delivery), or every dead one of the endpoint");
  replay->add_option("ID", o.id, "webhook id (whk_...)")->required();
  replay->add_option("--delivery", o.delivery_id, "one delivery id");
  replay->add_option("--key", o.key, "idempotency key");
  replay->callback([&] {
    action = [&]() -> Result<int> {
      auto r = ctx.writer->execute(
          ctx.command("", "", o.key, app::ReplayDeliveries{o.id, o.delivery_id}));
      if (!r) return std::unexpected(r.error());
      return print(ctx, json::parse(r->json).as_object(), [](const json::object& out) {
        std::cout << "replaying " << out.at("replayed").as_int64()
                  << " deliveries; `patron deliver` (or a running server) sends them\n";
      });
    };
  });

  auto* events = cli.add_subcommand("events", "the outbox: what happened, oldest first");
  events->add_option("--member", o.member, "only this member's");
  events->add_option("--after", o.after, "cursor: the last event id seen (evt_...)");
  events->add_option("--limit", o.limit, "rows (at most 500)")->capture_default_str();
  events->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      if (auto ok = check_limit(o.limit); !ok) return std::unexpected(ok.error());
      int64_t after = 0;
      if (!o.after.empty()) {
        auto id = app::parse_event_id(o.after);
        if (!id) return fail(ErrorCode::kInvalidArgument, "--after", "must be an event id evt_N");
        after = *id;
      }
      auto rows = ctx.reader->events_after(ctx.program_id, o.member, after, o.limit);
      if (!rows) return std::unexpected(rows.error());
      json::array out;
      for (const auto& e : *rows) out.emplace_back(app::event_json(e));
      if (ctx.json_output) {
        json::value next = rows->size() == o.limit && !rows->empty()
                               ? json::value(app::event_wire_id(rows->back().id))
                               : json::value(nullptr);
        std::cout << app::pretty(json::object{{"events", out}, {"next_cursor", next}}) << "\n";
        return kOk;
      }
      if (out.empty()) std::cout << "no events\n";
      for (const auto& v : out) {
        const json::object& e = v.as_object();
        std::cout << e.at("id").as_string().c_str() << "  "
                  << e.at("created_at").as_string().c_str() << "  "
                  << e.at("type").as_string().c_str() << "  "
                  << (e.at("member_id").is_string() ? e.at("member_id").as_string().c_str() : "-")
                  << "  " << json::serialize(e.at("data")) << "\n";
      }
      return kOk;
    };
  });

  auto* deliver = cli.add_subcommand(
      "deliver", "send every webhook delivery due now, retrying failures until none is due");
  deliver->add_option("--max-attempts", o.max_attempts, "attempts before a delivery is dead")
      ->capture_default_str();
  deliver->callback([&] {
    action = [&]() -> Result<int> {
      if (o.max_attempts < 1 || o.max_attempts > 100) {
        return fail(ErrorCode::kInvalidArgument, "--max-attempts", "must be 1 to 100");
      }
      webhooks::WorkerOptions options;
      options.policy.max_attempts = o.max_attempts;
      webhooks::Worker worker(*ctx.writer, ctx.clock(), options);
      auto r = worker.drain();
      if (!r) return std::unexpected(r.error());
      json::object out{{"fanned_out", r->fanned_out},
                       {"sent", r->sent},
                       {"delivered", r->delivered},
                       {"retrying", r->retrying},
                       {"dead", r->dead}};
      return print(ctx, out, [](const json::object& s) {
        std::cout << "sent " << s.at("sent").as_int64() << ": delivered "
                  << s.at("delivered").as_int64() << ", to retry " << s.at("retrying").as_int64()
                  << ", dead " << s.at("dead").as_int64() << "\n";
      });
    };
  });
}

}  // namespace patron::cli
