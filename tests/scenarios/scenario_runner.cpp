#include "scenarios/scenario_runner.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "app/json_codec.h"
#include "app/queries.h"
#include "app/writer.h"
#include "config/program_file.h"
#include "scenarios/scenario_checks.h"
#include "scenarios/scenario_words.h"
#include "support/temp_dir.h"

namespace patron::scenarios {
namespace {

namespace json = boost::json;
using app::Command;

// Where every scenario starts, before its first `at`.
constexpr const char* kStart = "2026-03-03T12:00:00+08:00";

class Runner {
 public:
  Runner(std::filesystem::path file, const testing::Backend& backend)
      : file_(std::move(file)), backend_(backend) {}
  void run();

 private:
  using Action = std::function<Result<json::object>()>;

  void fail_at(const Line& line, const std::string& message) {
    ADD_FAILURE_AT(file_.string().c_str(), static_cast<int>(line.number))
        << "\n  " << line.text << "\n  " << message;
  }
  const date::time_zone* zone() const {
    auto p = writer_->programs().find(kProgramId);
    return p ? (*p)->zone : nullptr;
  }
  Result<Instant> instant(const std::string& text) const {
    return parse_instant(text, zone(), "time");
  }
  Result<json::object> execute(Command c) {
    c.program_id = kProgramId;
    auto r = writer_->execute(std::move(c));
    if (!r) return std::unexpected(r.error());
    json::error_code ec;
    json::value v = json::parse(r->json, ec);
    return !ec && v.is_object() ? v.as_object() : json::object{};
  }

  // One line with its block. false: stop the scenario (what follows would
  // only repeat the failure reported).
  bool check(const Line& line);  // at, verify, expect
  bool command(const Line& line, const std::vector<Line>& block, const Line* expect_error);

  // Commands that reach the app; the outer Result is whether the line reads.
  Result<Action> build(const Line& line, const std::vector<Line>& block);
  Result<Action> program(const std::vector<Line>& block);
  Result<Action> order(Words& w, const std::vector<Line>& block);
  Result<Action> event(Words& w);
  Result<Action> refund(Words& w, const char* event);
  Result<Action> ledger_command(Words& w, bool spend);
  Result<Action> job(Words& w);

  // Checks; each returns what is wrong, empty when nothing is.
  Result<std::string> expect(const Line& line);
  Result<std::string> expect_error(Words& w);
  Result<json::object> member(const std::string& member_id);

  // Everything a failed command must leave as it was.
  std::string snapshot();

  std::filesystem::path file_;
  const testing::Backend& backend_;
  std::vector<Line> lines_;
  testing::TempDir dir_;
  app::FixedClock clock_{*parse_instant(kStart, nullptr, "start")};
  std::unique_ptr<app::StoreFactory> factory_;
  std::unique_ptr<app::Writer> writer_;
  std::unique_ptr<app::Store> reader_;
  std::set<std::string> order_ids_;
  json::object last_response_;
  std::optional<Error> last_error_;
  std::string before_error_;
};

bool is_expect_error(const Line& line) {
  return line.words.size() >= 2 && line.words[0] == "expect" && line.words[1] == "error";
}

void Runner::run() {
  std::ifstream in(file_);
  if (!in) {
    ADD_FAILURE() << "cannot read " << file_;
    return;
  }
  for (std::string text; std::getline(in, text);) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    bool indented = !text.empty() && (text[0] == ' ' || text[0] == '\t');
    lines_.push_back(Line{lines_.size() + 1, text, split_words(text), indented});
  }
  factory_ = backend_.make(dir_);
  ASSERT_TRUE(factory_);
  auto w = app::Writer::start(*factory_, clock_, {});
  ASSERT_TRUE(w) << w.error().message;
  writer_ = std::move(*w);
  auto r = factory_->open();
  ASSERT_TRUE(r) << r.error().message;
  reader_ = std::move(*r);

  bool after_command = false;  // the previous line reached the app
  for (std::size_t i = 0; i < lines_.size();) {
    const Line& line = lines_[i];
    if (line.blank()) {
      ++i;
      continue;
    }
    if (line.indented) {
      fail_at(line, "an indented line belongs under `program` or `order`");
      return;
    }
    std::size_t end = i + 1;  // the line after this one's indented block
    while (end < lines_.size() && (lines_[end].indented || lines_[end].text.empty())) ++end;
    std::vector<Line> block(lines_.begin() + static_cast<std::ptrdiff_t>(i + 1),
                            lines_.begin() + static_cast<std::ptrdiff_t>(end));
    std::size_t next = end;  // the next line that says something
    while (next < lines_.size() && lines_[next].blank()) ++next;
    const Line* expect_error =
        next < lines_.size() && is_expect_error(lines_[next]) ? &lines_[next] : nullptr;
    i = end;
    const std::string& verb = line.words[0];
    if (verb != "program" && verb != "order") {
      for (const Line& b : block) {
        if (!b.blank()) {
          fail_at(b, "only `program` and `order` take indented lines");
          return;
        }
      }
    }
    bool go_on = true;
    if (verb == "at" || verb == "verify" || verb == "expect") {
      bool misplaced = is_expect_error(line) ? !after_command : expect_error != nullptr;
      if (misplaced) {
        fail_at(is_expect_error(line) ? line : *expect_error,
                "`expect error` must follow a command");
        return;
      }
      go_on = check(line);
      after_command = false;
    } else {
      go_on = command(line, block, expect_error);
      after_command = true;
    }
    if (!go_on) return;
  }
}

bool Runner::check(const Line& line) {
  if (line.words[0] == "at") {
    auto t = line.words.size() == 2 ? instant(line.words[1]) : unreadable("expected: at TIME");
    if (!t) {
      fail_at(line, "cannot read this line: " + t.error().message);
      return false;
    }
    clock_.set(*t);
  } else if (line.words[0] == "verify") {
    auto report = app::verify(*reader_, writer_->programs());
    if (!report) {
      fail_at(line, "verify failed: " + describe(report.error()));
    } else if (!report->problems.empty()) {
      std::string all;
      for (const auto& p : report->problems) all += "\n    " + p;
      fail_at(line, "verify found problems:" + all);
    }
  } else {
    auto wrong = expect(line);
    if (!wrong) {
      fail_at(line, "cannot read this line: " + wrong.error().message);
      return false;
    }
    if (!wrong->empty()) fail_at(line, *wrong);
  }
  return true;
}

bool Runner::command(const Line& line, const std::vector<Line>& block, const Line* expect_error) {
  auto action = build(line, block);
  if (!action) {
    fail_at(line, "cannot read this line: " + action.error().message);
    return false;
  }
  last_error_.reset();
  std::string before = expect_error ? snapshot() : "";
  auto result = (*action)();
  if (result) {
    last_response_ = std::move(*result);
    if (expect_error) {
      fail_at(line, "succeeded, but line " + std::to_string(expect_error->number) +
                        " expects an error; response: " + json::serialize(last_response_));
    }
    return true;
  }
  if (!expect_error) {
    fail_at(line, "failed: " + describe(result.error()));
    return false;
  }
  last_error_ = result.error();
  before_error_ = std::move(before);
  return true;
}

Result<Runner::Action> Runner::build(const Line& line, const std::vector<Line>& block) {
  Words w(line.words);
  SCN_TRY(verb, w.next("a command"));
  Result<Action> action = unreadable("unknown command '" + verb +
                                     "' (program, at, member, order, event, refund, return, "
                                     "spend, grant, job, member_event, referral, expect, verify)");
  if (verb == "program") {
    if (!w.done()) return unreadable("`program` takes no words; the TOML goes on indented lines");
    action = program(block);
  } else if (verb == "order") {
    action = order(w, block);
  } else if (verb == "event") {
    action = event(w);
  } else if (verb == "refund") {
    action = refund(w, "refunded");
  } else if (verb == "return") {
    action = refund(w, "returned");
  } else if (verb == "spend" || verb == "grant") {
    action = ledger_command(w, verb == "spend");
  } else if (verb == "job") {
    action = job(w);
  } else if (verb == "member") {
    // member M [birthday D] [email E] [phone P] [tags A,B]: creates or updates the member.
    SCN_TRY(id, w.next("the member id"));
    app::UpsertMember upsert;
    std::string referrer;
    while (!w.done()) {
      SCN_TRY(key, w.next("birthday, email, phone, tags or referred_by"));
      SCN_TRY(value, w.next("a value"));
      if (key == "referred_by") {
        // A member id: its referral code (random) is looked up when the line runs.
        referrer = value;
      } else if (key == "referred_by_code") {
        upsert.referred_by = value;
      } else if (key == "birthday") {
        auto d = parse_date(value, "birthday");
        if (!d) return unreadable(d.error().message);
        upsert.birthday = *d;
      } else if (key == "email") {
        upsert.email = value;
      } else if (key == "phone") {
        upsert.phone = value;
      } else if (key == "tags") {
        // Comma separated; "-" for none (clears them).
        upsert.tags.emplace();
        std::string_view rest = value;
        if (rest == "-") rest = {};
        while (!rest.empty()) {
          std::size_t comma = rest.find(',');
          upsert.tags->emplace_back(rest.substr(0, comma));
          rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
        }
      } else {
        return unreadable("expected birthday, email, phone, tags or referred_by, not '" + key +
                          "'");
      }
    }
    action = Action([this, member_id = id, upsert, referrer]() -> Result<json::object> {
      app::UpsertMember body = upsert;
      if (!referrer.empty()) {
        auto found = reader_->find_member(kProgramId, referrer);
        if (!found) return std::unexpected(found.error());
        body.referred_by = *found ? (*found)->referral_code : "no-such-member";
      }
      Command c;
      c.member_id = member_id;
      c.body = body;
      return execute(std::move(c));
    });
  } else if (verb == "referral") {
    // referral approve|reject REFEREE [note TEXT]
    SCN_TRY(decision, w.next("approve or reject"));
    if (decision != "approve" && decision != "reject") return unreadable("approve or reject");
    SCN_TRY(referee, w.next("the referee"));
    app::DecideReferral decide{decision == "approve", ""};
    if (!w.done()) {
      SCN_TRY(key, w.next("note"));
      if (key != "note") return unreadable("expected note, not '" + key + "'");
      SCN_TRY(text, w.next("the note"));
      decide.note = text;
    }
    action = Action([this, referee, decide]() {
      Command c;
      c.member_id = referee;
      c.body = decide;
      return execute(std::move(c));
    });
  } else if (verb == "member_event") {
    // member_event M TYPE [id X] [at T]
    SCN_TRY(id, w.next("the member id"));
    SCN_TRY(type, w.next("the event type"));
    app::MemberEvent ev{type, "", std::nullopt};
    while (!w.done()) {
      SCN_TRY(key, w.next("id or at"));
      SCN_TRY(value, w.next("a value"));
      if (key == "id") {
        ev.event_id = value;
      } else if (key == "at") {
        SCN_TRY(t, instant(value));
        ev.at = t;
      } else {
        return unreadable("expected id or at, not '" + key + "'");
      }
    }
    action = Action([this, member_id = id, ev]() {
      Command c;
      c.member_id = member_id;
      c.body = ev;
      return execute(std::move(c));
    });
  }
  if (action && !w.done()) return unreadable("unexpected '" + w.peek() + "'");
  return action;
}

Result<Runner::Action> Runner::program(const std::vector<Line>& block) {
  // The block without its common indentation.
  std::size_t indent = std::string::npos;
  for (const Line& l : block) {
    if (l.text.find_first_not_of(" \t") == std::string::npos) continue;
    indent = std::min(indent, l.text.find_first_not_of(" \t"));
  }
  if (indent == std::string::npos) return unreadable("the program's TOML goes on indented lines");
  std::string text;
  for (const Line& l : block) text += (l.text.size() > indent ? l.text.substr(indent) : "") + "\n";
  std::string source = file_.filename().string() + " (program block)";
  return Action([this, text, source]() -> Result<json::object> {
    auto parsed = config::parse_program(text, source, kProgramId);
    if (!parsed) return std::unexpected(parsed.error());
    Command c;
    c.body = app::ApplyProgram{std::move(*parsed), text, std::nullopt, false};
    return execute(std::move(c));
  });
}

// order ID (member M | guest) [placed T] [shipping N] [channel C] [events a,b,...]
//   line ID [sku S] [category C] [brand B] [qty N] [price N] [discount N] [paid_with N] [reward]
Result<Runner::Action> Runner::order(Words& w, const std::vector<Line>& block) {
  app::UpsertOrder upsert;
  rules::Order& o = upsert.order;
  SCN_TRY(id, w.next("the order id"));
  o.id = id;
  o.placed_at = clock_.now();
  SCN_TRY(who, w.next("member M or guest"));
  if (who == "member") {
    SCN_TRY(m, w.next("the member id"));
    o.member_id = m;
  } else if (who != "guest") {
    return unreadable("expected member M or guest after the order id");
  }
  while (!w.done()) {
    SCN_TRY(key, w.next("an option"));
    if (key == "placed") {
      SCN_TRY(text, w.next("a time"));
      SCN_TRY(t, instant(text));
      o.placed_at = t;
    } else if (key == "shipping") {
      SCN_TRY(n, w.next_number("an amount"));
      o.shipping = n;
    } else if (key == "channel") {
      SCN_TRY(c, w.next("a channel"));
      o.channel = c;
    } else if (key == "events") {
      SCN_TRY(list, w.next("event names"));
      std::istringstream names(list);
      for (std::string name; std::getline(names, name, ',');) {
        upsert.events.push_back(app::OrderEvent{"", name, std::nullopt, "", {}, std::nullopt});
      }
    } else {
      return unreadable("unknown order option '" + key + "' (placed, shipping, channel, events)");
    }
  }
  for (const Line& l : block) {
    if (l.blank()) continue;
    Words lw(l.words);
    SCN_TRY(verb, lw.next("line"));
    if (verb != "line")
      return unreadable("line " + std::to_string(l.number) + ": expected `line ID ...`");
    rules::OrderLine line;
    line.quantity = 1;
    SCN_TRY(line_id, lw.next("the line id"));
    line.line_id = line_id;
    while (!lw.done()) {
      SCN_TRY(key, lw.next("an option"));
      if (key == "reward") {
        line.reward = true;
        continue;
      }
      std::map<std::string, std::string*> texts{
          {"sku", &line.sku}, {"category", &line.category}, {"brand", &line.brand}};
      std::map<std::string, int64_t*> numbers{{"qty", &line.quantity},
                                              {"price", &line.unit_price},
                                              {"discount", &line.discount},
                                              {"paid_with", &line.paid_with_value}};
      if (auto t = texts.find(key); t != texts.end()) {
        SCN_TRY(value, lw.next("a value"));
        *t->second = value;
      } else if (auto n = numbers.find(key); n != numbers.end()) {
        SCN_TRY(value, lw.next_number("a number"));
        *n->second = value;
      } else {
        return unreadable("line " + std::to_string(l.number) + ": unknown line option '" + key +
                          "' (sku, category, brand, qty, price, discount, paid_with, reward)");
      }
    }
    o.lines.push_back(std::move(line));
  }
  order_ids_.insert(o.id);
  return Action([this, upsert]() {
    Command c;
    c.body = upsert;
    return execute(std::move(c));
  });
}

// event ORDER NAME [at T]
Result<Runner::Action> Runner::event(Words& w) {
  app::OrderEvent ev;
  SCN_TRY(id, w.next("the order id"));
  SCN_TRY(name, w.next("the event"));
  ev.order_id = id;
  ev.event = name;
  if (w.peek() == "at") {
    (void)w.next("at");
    SCN_TRY(text, w.next("a time"));
    SCN_TRY(t, instant(text));
    ev.at = t;
  }
  return Action([this, ev]() {
    Command c;
    c.body = ev;
    return execute(std::move(c));
  });
}

// refund|return ORDER [REFUND_ID] (line L qty N ... | amount N | all) [at T]
Result<Runner::Action> Runner::refund(Words& w, const char* name) {
  app::OrderEvent ev;
  ev.event = name;
  SCN_TRY(id, w.next("the order id"));
  ev.order_id = id;
  const std::set<std::string> keys{"line", "amount", "all", "at"};
  if (!w.done() && !keys.count(w.peek())) {
    SCN_TRY(refund_id, w.next("a refund id"));
    ev.refund_id = refund_id;
  }
  bool all = false;
  while (!w.done()) {
    SCN_TRY(key, w.next("line, amount, all or at"));
    if (key == "line") {
      SCN_TRY(line_id, w.next("a line id"));
      SCN_TRY(qty, w.next("qty"));
      if (qty != "qty") return unreadable("expected: line L qty N");
      SCN_TRY(n, w.next_number("a quantity"));
      ev.lines.push_back({line_id, n});
    } else if (key == "amount") {
      SCN_TRY(n, w.next_number("an amount"));
      ev.amount = n;
    } else if (key == "all") {
      all = true;
    } else if (key == "at") {
      SCN_TRY(text, w.next("a time"));
      SCN_TRY(t, instant(text));
      ev.at = t;
    } else {
      return unreadable("expected line, amount, all or at, got '" + key + "'");
    }
  }
  if (!all && ev.lines.empty() && !ev.amount) {
    return unreadable("say what is given back: line L qty N, amount N or all");
  }
  return Action([this, ev]() {
    Command c;
    c.body = ev;
    return execute(std::move(c));
  });
}

// spend MEMBER WALLET AMOUNT [order O]
// grant MEMBER WALLET AMOUNT [source S]
Result<Runner::Action> Runner::ledger_command(Words& w, bool spend) {
  Command c;
  SCN_TRY(member_id, w.next("the member id"));
  SCN_TRY(wallet, w.next("the wallet"));
  SCN_TRY(amount, w.next_number("an amount"));
  c.member_id = member_id;
  c.wallet = wallet;
  std::string order_id;
  std::string source = "goodwill";
  while (!w.done()) {
    SCN_TRY(key, w.next("an option"));
    SCN_TRY(value, w.next("a value"));
    if (spend && key == "order") {
      order_id = value;
    } else if (!spend && key == "source") {
      source = value;
    } else {
      return unreadable("unknown option '" + key + "' (spend: order; grant: source)");
    }
  }
  if (spend) {
    c.body = ledger::Spend{amount, order_id, {}};
  } else {
    ledger::Grant g;
    g.amount = amount;
    g.source = source;
    g.reason = "scenario grant";
    c.body = std::move(g);
  }
  return Action([this, c]() { return execute(c); });
}

// job mature|expire|holds|tiers|birthdays: the response is the job's report.
Result<Runner::Action> Runner::job(Words& w) {
  SCN_TRY(name, w.next("the job"));
  return Action([this, name]() -> Result<json::object> {
    auto report = app::run_job(*writer_, *reader_, name, clock_.now(), kProgramId);
    if (!report) return std::unexpected(report.error());
    return app::job_report_json(*report);
  });
}

Result<json::object> Runner::member(const std::string& member_id) {
  auto v = app::member_view(*reader_, writer_->programs(), kProgramId, member_id, clock_.now());
  if (!v) return std::unexpected(v.error());
  return json::parse(*v).as_object();
}

std::string Runner::snapshot() {
  std::string out;
  if (auto ids = reader_->member_ids(kProgramId); ids) {
    for (const auto& id : *ids) {
      auto v = member(id);
      out += "member " + id + ": " + (v ? json::serialize(*v) : describe(v.error())) + "\n";
    }
  }
  for (const auto& id : order_ids_) {
    auto o = reader_->find_order(kProgramId, id);
    out += "order " + id + ": " +
           (!o   ? describe(o.error())
            : *o ? json::serialize(app::order_record_json(**o))
                 : std::string("absent")) +
           "\n";
  }
  return out;
}

Result<std::string> Runner::expect(const Line& line) {
  Words w(line.words);
  (void)w.next("expect");
  SCN_TRY(what, w.next("what to expect"));
  Result<std::string> wrong = std::string();
  if (what == "error") {
    wrong = expect_error(w);
  } else if (what == "order") {
    SCN_TRY(id, w.next("the order id"));
    auto found = reader_->find_order(kProgramId, id);
    if (!found) return "cannot read order " + id + ": " + describe(found.error());
    wrong = check_order(w, *found);
    if (wrong && !wrong->empty()) *wrong = "order " + id + ": " + *wrong;
  } else if (what == "response") {
    wrong = check_response(w, last_response_);
  } else if (what == "referral") {
    // expect referral REFEREE state S [reasons a,b|none]
    SCN_TRY(id, w.next("the referee"));
    auto found = reader_->find_referral(kProgramId, id);
    if (!found) return "cannot read the referral of " + id + ": " + describe(found.error());
    std::string got = *found ? (*found)->state : "absent";
    wrong = std::string();
    SCN_TRY(key, w.next("state"));
    if (key != "state") return unreadable("expected state, not '" + key + "'");
    SCN_TRY(state, w.next("a state"));
    if (state != got) wrong = "referral of " + id + ": state " + got + ", expected " + state;
    if (!w.done() && wrong->empty()) {
      SCN_TRY(rkey, w.next("reasons"));
      if (rkey != "reasons") return unreadable("expected reasons, not '" + rkey + "'");
      SCN_TRY(list, w.next("a,b or none"));
      std::string reasons;
      if (*found) {
        for (const auto& r : (*found)->reasons) reasons += (reasons.empty() ? "" : ",") + r;
      }
      if (reasons.empty()) reasons = "none";
      if (reasons != list)
        wrong = "referral of " + id + ": reasons " + reasons + ", expected " + list;
    }
    w.skip_rest();
  } else {
    auto view = member(what);
    if (!view) {
      w.skip_rest();
      return "cannot read member " + what + ": " + describe(view.error());
    }
    wrong = check_member(w, *view, zone());
  }
  if (wrong && !w.done()) return unreadable("unexpected '" + w.peek() + "'");
  return wrong;
}

// expect error field F [code C]
Result<std::string> Runner::expect_error(Words& w) {
  std::optional<std::string> field, code;
  while (!w.done()) {
    SCN_TRY(key, w.next("field or code"));
    SCN_TRY(value, w.next("a value"));
    if (key == "field") {
      field = value == "''" ? "" : value;
    } else if (key == "code") {
      code = value;
    } else {
      return unreadable("expected field F or code C, got '" + key + "'");
    }
  }
  if (!field && !code) return unreadable("expected: expect error field F [code C]");
  if (!last_error_) return std::string();  // the command succeeded: reported there
  std::string wrong;
  if (field && *field != last_error_->field) {
    wrong += "error field: expected '" + *field + "', got '" + last_error_->field + "'. ";
  }
  if (code && *code != to_string(last_error_->code)) {
    wrong += "error code: expected " + *code + ", got " +
             std::string(to_string(last_error_->code)) + ". ";
  }
  if (!wrong.empty()) wrong += "The error: " + describe(*last_error_);
  std::string after = snapshot();
  if (after != before_error_) {
    std::istringstream a(before_error_), b(after);
    std::string la, lb;
    while (std::getline(a, la) && std::getline(b, lb) && la == lb) {
    }
    wrong += (wrong.empty() ? "" : "\n  ") + std::string("the failed command changed the store:") +
             "\n    before: " + la + "\n    after:  " + lb;
  }
  last_error_.reset();
  return wrong;
}

}  // namespace

void run_scenario(const std::filesystem::path& file, const testing::Backend& backend) {
  Runner(file, backend).run();
}

}  // namespace patron::scenarios
