#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/config.hpp"

namespace mc::app {

// `musicconnect seed-demo --size large`: a generated catalogue for benchmarks and for trying the
// product at scale (docs/search.md, "The large demo catalogue"). Deterministic for a given seed and
// size; written in one transaction with set-based SQL (generate_series), so it takes seconds.
struct LargeCatalog {
  int artists = 10000;  // fans are 3 × this; tracks about 12 × this
  int64_t seed = 1;
};

// Reads `--size large [--artists N] [--seed S]` from a seed-demo command line. Returns nothing for
// the ordinary small demo; throws std::invalid_argument naming the option for anything else.
std::optional<LargeCatalog> parse_large_options(int argc, char** argv);

// Writes the catalogue unless one is already present (idempotent). Runs to completion or writes
// nothing.
void seed_large(const Config& config, const LargeCatalog& options);

}  // namespace mc::app
