// On-disk layout of a search index, built so a rebuild can replace it atomically.
//
//   <root>/XAPIANDB        Xapian stub file: "auto gen-000007" — names the current generation
//   <root>/gen-000007/     the live Xapian (glass) database
//   <root>/gen-000008/     a rebuild in progress, or an old generation readers still hold
//
// A rebuild writes a new generation next to the live one and then renames a new stub over the
// old one (rename(2) is atomic), so a process that starts at any moment opens either the old or
// the new index, never a half-built one. Because the stub is a standard Xapian stub, tools such
// as `xapian-delve <root>` and `Xapian::Database(<root>)` open the current generation directly.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace au::search::detail {

struct Generation {
  std::uint64_t number = 0;
  std::filesystem::path dir;
};

// The generation the stub names, if the stub exists, parses and names an existing directory.
std::optional<Generation> read_current_generation(const std::filesystem::path& root);

// Points the stub at `gen`, atomically and durably (temp file, fsync, rename, fsync dir).
void write_current_generation(const std::filesystem::path& root, const Generation& gen);

// Every gen-* directory under root, current or not.
std::vector<Generation> list_generations(const std::filesystem::path& root);

Generation generation_at(const std::filesystem::path& root, std::uint64_t number);

}  // namespace au::search::detail
