// Program configuration files (TOML, docs/config.md): parse and validate
// into an app::Program, and print a Program back as TOML. Every error names
// the file, line and column and the dotted key at fault; an unknown key is an
// error (a typo must not silently fall back to a default).
//
// Failure: Error{kInvalidArgument, field = "PATH:LINE:COLUMN: KEY", message}.
#pragma once

#include <string>
#include <string_view>

#include "app/model.h"
#include "core/error.h"

namespace patron::config {

// `source` names the file in errors. The program id is not in the file: it
// comes from --program or the API key.
Result<app::Program> parse_program(std::string_view text, std::string_view source,
                                   const std::string& program_id);

// The canonical TOML of a program (every setting written out); parsing it
// gives the same program back.
std::string to_toml(const app::Program& program);

}  // namespace patron::config
