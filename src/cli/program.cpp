// patron program apply PATH [--dry-run], program versions.
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/json_codec.h"
#include "cli/cli.h"
#include "cli/context.h"
#include "config/program_file.h"

namespace patron::cli {

namespace json = boost::json;

namespace {

void print_changes(const json::array& changes) {
  for (const auto& c : changes) {
    const auto& o = c.as_object();
    std::string key(o.at("key").as_string());
    if (o.at("before").is_null()) {
      std::cout << "  + " << key << " = " << o.at("after").as_string().c_str() << "\n";
    } else if (o.at("after").is_null()) {
      std::cout << "  - " << key << " (was " << o.at("before").as_string().c_str() << ")\n";
    } else {
      std::cout << "  ~ " << key << ": " << o.at("before").as_string().c_str() << " -> "
                << o.at("after").as_string().c_str() << "\n";
    }
  }
}

}  // namespace

void add_program_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action) {
  auto* program = cli.get_subcommand("program");
  static std::string path, key;
  static bool dry_run = false;
  auto* apply = program->add_subcommand(
      "apply", "validate a configuration file and store it as the program's next version");
  apply->add_option("PATH", path, "TOML file (docs/config.md)")->required();
  apply->add_flag("--dry-run", dry_run, "validate and show the changes; store nothing");
  apply->add_option("--key", key, "idempotency key");
  apply->callback([&] {
    ctx.program_may_be_new = true;
    action = [&]() -> Result<int> {
      std::ifstream in(path);
      if (!in) return fail(ErrorCode::kInvalidArgument, "PATH", "cannot read " + path);
      std::stringstream buffer;
      buffer << in.rdbuf();
      std::string text = buffer.str();
      auto parsed = config::parse_program(text, path, ctx.program_id);
      if (!parsed) return std::unexpected(parsed.error());
      auto r = ctx.writer->execute(
          ctx.command("", "", key, app::ApplyProgram{*parsed, text, std::nullopt, dry_run}));
      if (!r) return std::unexpected(r.error());
      if (ctx.json_output) {
        std::cout << r->json << "\n";
        return kOk;
      }
      json::object out = json::parse(r->json).as_object();
      const json::array& changes = out.at("changes").as_array();
      int64_t version = out.at("program").at("version").as_int64();
      if (changes.empty()) {
        std::cout << "program " << ctx.program_id << ": no changes (version " << version << ")\n";
        return kOk;
      }
      std::cout << "program " << ctx.program_id << ": " << changes.size() << " change"
                << (changes.size() == 1 ? "" : "s") << "\n";
      print_changes(changes);
      if (out.at("applied").as_bool()) {
        std::cout << "applied as version " << version << "\n";
      } else {
        std::cout << "dry run: nothing stored (the program stays at version " << version << ")\n";
      }
      return kOk;
    };
  });

  auto* versions = program->add_subcommand("versions", "every applied configuration");
  versions->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      auto list = ctx.reader->program_versions(ctx.program_id);
      if (!list) return std::unexpected(list.error());
      json::array items;
      for (const auto& v : *list) {
        items.emplace_back(json::object{{"version", v.version},
                                        {"applied_at", format_instant(v.applied_at)},
                                        {"actor", v.actor}});
        if (!ctx.json_output) {
          std::cout << "version " << v.version << "  " << format_instant(v.applied_at) << "  "
                    << v.actor << "\n";
        }
      }
      if (ctx.json_output) std::cout << json::serialize(json::object{{"versions", items}}) << "\n";
      return kOk;
    };
  });
}

}  // namespace patron::cli
